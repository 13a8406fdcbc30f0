-- Residents eligible to vote on election day: aged 18 or more that day, listed where they live now (current
-- residence), by new ward and residential group. One row per voter under a pseudonymous key; no name, ID,
-- birth date or address. Every person in the rosters is a Vietnamese national: the residence database lists
-- citizens only (foreigners declare temporary residence through a separate system), so nationality is no filter.
with persons as (
    select
        p.person_key,
        p.sex,
        p.current_new_ward_code,
        p.current_residential_group,
        p.current_residence_type,
        {{ age_on('p.date_of_birth', date_var('election_day')) }} as age_on_election_day
    from {{ source('warehouse', 'dim_person') }} as p
    where p.is_current
)

select
    k.pseudonym as voter_key,
    p.current_new_ward_code as new_ward_code,
    p.current_residential_group as residential_group,
    {{ group_number('p.current_residential_group') }} as residential_group_number,
    p.current_residence_type as residence_type,
    p.sex,
    p.age_on_election_day
from persons as p
inner join {{ source('warehouse', 'person_pseudonym') }} as k on k.person_key = p.person_key
where p.age_on_election_day >= {{ var('voting_age') }}
