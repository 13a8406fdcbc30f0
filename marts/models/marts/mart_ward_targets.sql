-- The new ward's 13 targets: baseline (first half of 2025, apportioned from the former wards with
-- crosswalk_weights), target (the plan, from the ward_targets seed), current value and completion. Computed from
-- the warehouse wherever it allows; targets that need an outside input take baseline and current value from the
-- seed. Baseline = sum over former wards of the former ward's aggregate times its weight for the new ward;
-- current = the same measure counted directly on the new ward's routed and linked records.
with weights as (
    select former_ward_code, basis, new_ward_code, weight from {{ source('warehouse', 'crosswalk_weights') }}
),

budget as (
    select former_ward_code,
        sum(estimate_amount) as estimate,
        sum({% for m in range(1, 7) %}coalesce(executed_m{{ '%02d' % m }}, 0){% if not loop.last %} + {% endif %}{% endfor %}) as executed_h1,
        sum({% for m in range(1, 13) %}coalesce(executed_m{{ '%02d' % m }}, 0){% if not loop.last %} + {% endif %}{% endfor %}) as executed
    from {{ source('warehouse', 'budget_line') }}
    where flow = 'revenue'
    group by former_ward_code
),

e01 as (
    select w.new_ward_code, 'E01' as target_code,
        100 * sum(b.executed_h1 * w.weight) / nullif(sum(b.estimate * w.weight), 0) as baseline_value,
        100 * sum(b.executed * w.weight) / nullif(sum(b.estimate * w.weight), 0) as current_value
    from budget as b inner join weights as w on w.former_ward_code = b.former_ward_code and w.basis = 'budget'
    group by w.new_ward_code
),

business as (
    select * from {{ source('warehouse', 'business_household_record') }} where status = 'active'
),

e02 as (
    select w.new_ward_code, 'E02' as target_code,
        sum(f.n * w.weight) as baseline_value,
        max(c.n) as current_value
    from (select former_ward_code, cast(count(*) as double precision) as n from business
          where registered_on is null or registered_on <= {{ date_var('baseline_to') }}
          group by former_ward_code) as f
    inner join weights as w on w.former_ward_code = f.former_ward_code and w.basis = 'business_households'
    left join (select new_ward_code, count(*) as n from business group by new_ward_code) as c
        on c.new_ward_code = w.new_ward_code
    group by w.new_ward_code
),

persons as (
    select current_new_ward_code as new_ward_code, national_id_kind,
           {{ age_on('date_of_birth', date_var('reference_date')) }} as age
    from {{ source('warehouse', 'dim_person') }}
    where is_current
),

s01 as (
    select w.new_ward_code, 'S01' as target_code,
        sum(f.n * w.weight) as baseline_value,
        max(c.n) as current_value
    from (select former_ward_code, cast(count(*) as double precision) as n
          from {{ source('warehouse', 'resident_record') }} group by former_ward_code) as f
    inner join weights as w on w.former_ward_code = f.former_ward_code and w.basis = 'population'
    left join (select new_ward_code, count(*) as n from persons group by new_ward_code) as c
        on c.new_ward_code = w.new_ward_code
    group by w.new_ward_code
),

s02 as (
    select w.new_ward_code, 'S02' as target_code,
        sum(f.n * w.weight) as baseline_value,
        max(c.n) as current_value
    from (select former_ward_code, cast(count(distinct household_id) as double precision) as n
          from {{ source('warehouse', 'resident_record') }} group by former_ward_code) as f
    inner join weights as w on w.former_ward_code = f.former_ward_code and w.basis = 'households'
    left join (select new_ward_code, count(*) as n from {{ source('warehouse', 'dim_household') }}
               group by new_ward_code) as c
        on c.new_ward_code = w.new_ward_code
    group by w.new_ward_code
),

s03 as (
    select new_ward_code, 'S03' as target_code,
        cast(null as double precision) as baseline_value,
        count(*) as current_value
    from {{ ref('mart_voter_roll') }}
    group by new_ward_code
),

timeliness as (
    select level, ward_code, month,
        sum(received) as received, sum(early + on_time) as in_time, sum(early + on_time + late + overdue) as judged,
        sum(case when channel = 'online' then received else 0 end) as online
    from {{ ref('mart_dossier_timeliness') }}
    group by level, ward_code, month
),

s04_s05 as (
    select ward_code as new_ward_code,
        100 * sum(case when month <= {{ date_var('baseline_to') }} then in_time else 0 end)
            / nullif(sum(case when month <= {{ date_var('baseline_to') }} then judged else 0 end), 0) as on_time_h1,
        100 * sum(in_time) / nullif(sum(judged), 0) as on_time_all,
        100 * sum(case when month <= {{ date_var('baseline_to') }} then online else 0 end)
            / nullif(sum(case when month <= {{ date_var('baseline_to') }} then received else 0 end), 0) as online_h1,
        100 * sum(online) / nullif(sum(received), 0) as online_all
    from timeliness
    where level = 'new_ward'
    group by ward_code
),

petitions as (
    select former_ward_code,
        cast(sum(case when handling_status = 'resolved' then 1 else 0 end) as double precision) as resolved,
        cast(sum(case when handling_status in ('withdrawn', 'transferred', 'not_accepted') then 0 else 1 end)
             as double precision) as to_resolve
    from {{ source('warehouse', 'petition_record') }}
    group by former_ward_code
),

s06 as (
    select w.new_ward_code, 'S06' as target_code,
        100 * sum(p.resolved * w.weight) / nullif(sum(p.to_resolve * w.weight), 0) as baseline_value,
        100 * sum(p.resolved * w.weight) / nullif(sum(p.to_resolve * w.weight), 0) as current_value
    from petitions as p inner join weights as w on w.former_ward_code = p.former_ward_code and w.basis = 'population'
    group by w.new_ward_code
),

s10 as (
    select new_ward_code, 'S10' as target_code,
        cast(null as double precision) as baseline_value,
        100.0 * sum(case when national_id_kind = 'cccd' then 1 else 0 end) / nullif(count(*), 0) as current_value
    from persons
    where age >= 14
    group by new_ward_code
),

computed as (
    select new_ward_code, target_code, cast(baseline_value as double precision) as baseline_value,
           cast(current_value as double precision) as current_value from e01
    union all select new_ward_code, target_code, baseline_value, current_value from e02
    union all select new_ward_code, target_code, baseline_value, current_value from s01
    union all select new_ward_code, target_code, baseline_value, current_value from s02
    union all select new_ward_code, target_code, baseline_value, current_value from s03
    union all select new_ward_code, 'S04', on_time_h1, on_time_all from s04_s05
    union all select new_ward_code, 'S05', online_h1, online_all from s04_s05
    union all select new_ward_code, target_code, baseline_value, current_value from s06
    union all select new_ward_code, target_code, baseline_value, current_value from s10
),

targets as (
    select
        t.new_ward_code, t.target_code, t.area, t.name_vi, t.name_en, t.unit, t.direction, t.source,
        cast(t.target_value as double precision) as target_value,
        case when t.source = 'seed' then cast(t.baseline_input as double precision) else c.baseline_value end
            as baseline_value,
        case when t.source = 'seed' then cast(t.current_input as double precision) else c.current_value end
            as current_value
    from {{ ref('ward_targets') }} as t
    left join computed as c on c.new_ward_code = t.new_ward_code and c.target_code = t.target_code
)

select
    new_ward_code || '|' || target_code as row_key,
    new_ward_code,
    target_code,
    area,
    name_vi,
    name_en,
    unit,
    direction,
    source,
    baseline_value,
    target_value,
    current_value,
    case
        when direction = 'at_most' then 100 * target_value / nullif(current_value, 0)
        else 100 * current_value / nullif(target_value, 0)
    end as completion_pct
from targets
