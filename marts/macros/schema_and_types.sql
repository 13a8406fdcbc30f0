{# Custom schemas are used as named ("marts"), not prefixed with the target schema ("main_marts"). #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}

{# Full years of age on `day` (a date expression) for a birth date column: the same on DuckDB and PostgreSQL. #}
{% macro age_on(dob, day) -%}
    (cast(extract(year from {{ day }}) as integer) - cast(extract(year from {{ dob }}) as integer)
     - case when cast(extract(month from {{ dob }}) as integer) * 100 + cast(extract(day from {{ dob }}) as integer)
                 > cast(extract(month from {{ day }}) as integer) * 100 + cast(extract(day from {{ day }}) as integer)
            then 1 else 0 end)
{%- endmacro %}

{% macro date_var(name) -%}
    cast('{{ var(name) }}' as date)
{%- endmacro %}

{# Five-year age bands as the census tables publish them, 80 and over in one band. #}
{% macro age_band(age) -%}
    case when {{ age }} >= 80 then '80+'
         else lpad(cast(cast(floor({{ age }} / 5.0) * 5 as integer) as varchar), 2, '0') || '-'
              || lpad(cast(cast(floor({{ age }} / 5.0) * 5 + 4 as integer) as varchar), 2, '0')
    end
{%- endmacro %}

{# A residential group's number ("5" for group 5), null when the text is no number. #}
{% macro group_number(column) -%}
    {{ return(adapter.dispatch('group_number')(column)) }}
{%- endmacro %}
{% macro default__group_number(column) -%}
    case when {{ column }} ~ '^[0-9]+$' then cast({{ column }} as integer) end
{%- endmacro %}
{% macro duckdb__group_number(column) -%}
    try_cast({{ column }} as integer)
{%- endmacro %}

{# The day of a timestamp / the first day of its month. #}
{% macro month_of(ts) -%}
    cast(date_trunc('month', {{ ts }}) as date)
{%- endmacro %}
