-- Households by new ward and residential group. Groups are numbered per former ward ("Tổ 5" of ten former wards
-- are ten groups), so every row carries its former ward; `new_residential_group` is the new ward's group where
-- the city has assigned one (seed `residential_group_map`), else null.
with listings as (
    -- One household as one former ward's roster lists it (a household that moved may be listed by two).
    select
        former_ward_code,
        household_id,
        min(new_ward_code) as new_ward_code,
        min(residential_group) as residential_group,
        count(*) as residents
    from {{ source('warehouse', 'resident_record') }}
    where household_id is not null
    group by former_ward_code, household_id
),

keyed as (
    select l.*, x.household_key
    from listings as l
    left join {{ source('warehouse', 'household_source_xref') }} as x
        on x.source_household = l.former_ward_code || '/residents/' || l.household_id
)

select
    k.new_ward_code || '|' || k.former_ward_code || '|' || coalesce(k.residential_group, '') as row_key,
    k.new_ward_code,
    k.former_ward_code,
    k.residential_group,
    {{ group_number('k.residential_group') }} as residential_group_number,
    m.new_residential_group,
    count(*) as household_listings,
    count(distinct k.household_key) as households,
    sum(k.residents) as residents
from keyed as k
left join {{ ref('residential_group_map') }} as m
    on m.former_ward_code = k.former_ward_code
    and cast(m.former_residential_group as varchar) = k.residential_group
    and m.new_ward_code = k.new_ward_code
group by k.new_ward_code, k.former_ward_code, k.residential_group, m.new_residential_group
