-- The 2025 budget: estimate against execution, by month and budget classification, for each former ward as its
-- report states it (`level = 'former_ward'`) and consolidated for each new ward (`level = 'new_ward'`: every
-- former ward's lines times its `budget` weight in crosswalk_weights). Only leaf lines: the reports' total and
-- subtotal rows are set apart by the pipeline and never added here.
{% set months = range(1, 13) %}
with lines as (
    select former_ward_code, flow, chapter, sector, item_group, item, funding_source, item_name,
           estimate_amount,
           {% for m in months %}executed_m{{ '%02d' % m }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ source('warehouse', 'budget_line') }}
),

monthly as (
    {% for m in months %}
    select former_ward_code, flow, chapter, sector, item_group, item, funding_source, item_name, estimate_amount,
           {{ m }} as month, executed_m{{ '%02d' % m }} as executed_amount
    from lines
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

former as (
    select
        'former_ward' as level, former_ward_code as ward_code, flow, chapter, sector, item_group, item,
        funding_source, month,
        sum(estimate_amount) as estimate_amount,
        sum(executed_amount) as executed_amount
    from monthly
    group by former_ward_code, flow, chapter, sector, item_group, item, funding_source, month
),

consolidated as (
    select
        'new_ward' as level, w.new_ward_code as ward_code, m.flow, m.chapter, m.sector, m.item_group, m.item,
        m.funding_source, m.month,
        sum(m.estimate_amount * cast(w.weight as numeric(38, 18))) as estimate_amount,
        sum(m.executed_amount * cast(w.weight as numeric(38, 18))) as executed_amount
    from monthly as m
    inner join {{ source('warehouse', 'crosswalk_weights') }} as w
        on w.former_ward_code = m.former_ward_code and w.basis = 'budget'
    group by w.new_ward_code, m.flow, m.chapter, m.sector, m.item_group, m.item, m.funding_source, m.month
),

both_levels as (
    select * from former
    union all
    select * from consolidated
)

select
    level || '|' || ward_code || '|' || flow || '|' || coalesce(chapter, '') || '|' || coalesce(sector, '') || '|'
        || coalesce(item_group, '') || '|' || coalesce(item, '') || '|' || coalesce(funding_source, '') || '|'
        || cast(month as varchar) as row_key,
    level,
    ward_code,
    flow,
    chapter,
    sector,
    item_group,
    item,
    funding_source,
    month,
    cast(estimate_amount as numeric(38, 4)) as estimate_amount,
    cast(executed_amount as numeric(38, 4)) as executed_amount,
    cast(sum(executed_amount) over (
        partition by level, ward_code, flow, chapter, sector, item_group, item, funding_source
        order by month rows between unbounded preceding and current row
    ) as numeric(38, 4)) as executed_to_date
from both_levels
