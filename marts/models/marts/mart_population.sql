-- Residents by new ward, residential group, sex and five-year age band, once by current residence and once by
-- permanent residence (a person with no permanent registration in these rosters counts only by current residence).
with persons as (
    select
        sex,
        {{ age_on('date_of_birth', date_var('reference_date')) }} as age,
        current_new_ward_code,
        current_residential_group,
        permanent_new_ward_code,
        permanent_residential_group
    from {{ source('warehouse', 'dim_person') }}
    where is_current
),

by_residence as (
    select 'current' as residence_basis, current_new_ward_code as new_ward_code,
           current_residential_group as residential_group, sex, age
    from persons
    union all
    select 'permanent' as residence_basis, permanent_new_ward_code as new_ward_code,
           permanent_residential_group as residential_group, sex, age
    from persons
    where permanent_new_ward_code is not null
)

select
    residence_basis || '|' || new_ward_code || '|' || coalesce(residential_group, '') || '|' || sex || '|'
        || {{ age_band('age') }} as row_key,
    residence_basis,
    new_ward_code,
    residential_group,
    {{ group_number('residential_group') }} as residential_group_number,
    sex,
    {{ age_band('age') }} as age_band,
    count(*) as residents
from by_residence
group by residence_basis, new_ward_code, residential_group, sex, {{ age_band('age') }}
