-- One-stop-shop timeliness (the reform index) by month received, field, channel and former ward
-- (`level = 'former_ward'`), and for each new ward as the apportioned sum (`level = 'new_ward'`: every former
-- ward's counts times its `population` weight). By calendar day as of the export: finished before the due day =
-- early, on it = on time, after = late; open past the due day = overdue; refused dossiers are excluded from the
-- rate and withdrawn ones counted apart. A dossier exported twice is one row in dossier_record already.
with classified as (
    select
        former_ward_code,
        {{ month_of('received_at') }} as month,
        procedure_field,
        channel,
        case
            when status in ('refused', 'withdrawn') then status
            when finished_at is not null then
                case
                    when cast(finished_at as date) < cast(due_at as date) then 'early'
                    when cast(finished_at as date) = cast(due_at as date) then 'on_time'
                    else 'late'
                end
            when cast(due_at as date) < as_of then 'overdue'
            else 'open'
        end as timeliness
    from {{ source('warehouse', 'dossier_record') }}
),

former as (
    select
        'former_ward' as level, former_ward_code as ward_code, month, procedure_field, channel,
        cast(count(*) as double precision) as received,
        cast(sum(case when timeliness = 'early' then 1 else 0 end) as double precision) as early,
        cast(sum(case when timeliness = 'on_time' then 1 else 0 end) as double precision) as on_time,
        cast(sum(case when timeliness = 'late' then 1 else 0 end) as double precision) as late,
        cast(sum(case when timeliness = 'overdue' then 1 else 0 end) as double precision) as overdue,
        cast(sum(case when timeliness = 'open' then 1 else 0 end) as double precision) as open_in_time,
        cast(sum(case when timeliness = 'refused' then 1 else 0 end) as double precision) as refused,
        cast(sum(case when timeliness = 'withdrawn' then 1 else 0 end) as double precision) as withdrawn
    from classified
    group by former_ward_code, month, procedure_field, channel
),

apportioned as (
    select
        'new_ward' as level, w.new_ward_code as ward_code, f.month, f.procedure_field, f.channel,
        sum(f.received * w.weight) as received,
        sum(f.early * w.weight) as early,
        sum(f.on_time * w.weight) as on_time,
        sum(f.late * w.weight) as late,
        sum(f.overdue * w.weight) as overdue,
        sum(f.open_in_time * w.weight) as open_in_time,
        sum(f.refused * w.weight) as refused,
        sum(f.withdrawn * w.weight) as withdrawn
    from former as f
    inner join {{ source('warehouse', 'crosswalk_weights') }} as w
        on w.former_ward_code = f.ward_code and w.basis = 'population'
    group by w.new_ward_code, f.month, f.procedure_field, f.channel
),

both_levels as (
    select * from former
    union all
    select * from apportioned
)

select
    level || '|' || ward_code || '|' || coalesce(cast(month as varchar), '') || '|' || coalesce(procedure_field, '')
        || '|' || coalesce(channel, '') as row_key,
    level,
    ward_code,
    month,
    procedure_field,
    channel,
    received,
    early,
    on_time,
    late,
    overdue,
    open_in_time,
    refused,
    withdrawn,
    (early + on_time) / nullif(early + on_time + late + overdue, 0) as on_time_rate
from both_levels
