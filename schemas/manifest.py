"""Source manifests: how one former ward's file family maps onto the canonical records.

Per-source differences (format, encoding, headings, date formats, value codes) are configuration, so onboarding a
former ward's export means writing a YAML manifest, never a Python module. Errors name the manifest and the key.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.datasets import Dataset, Kind, registry
from schemas.errors import WardmergeError

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster

Format = Literal["csv", "xlsx", "json", "sqlite"]
Encoding = Literal["utf-8", "utf-8-sig", "cp1258", "tcvn3", "vni"]

DEFAULT_SEX_MAP: dict[str, str] = {"Nam": "M", "Nữ": "F", "M": "M", "F": "F"}

# Which format options make sense for which format: a key given for another format is a mistake.
FORMAT_OPTIONS: dict[str, frozenset[str]] = {
    "csv": frozenset({"delimiter", "quotechar"}),
    "xlsx": frozenset({"sheet", "skip_rows", "header_rows", "footer_rows"}),
    "json": frozenset({"record_path"}),
    "sqlite": frozenset({"table", "query"}),
}


class ManifestError(WardmergeError, ValueError):
    """A manifest is malformed; the message names the manifest file and the key."""

    def __init__(self, manifest: Path | str, message: str) -> None:
        super().__init__(f"{manifest}: {message}")
        self.manifest = str(manifest)


class TotalRows(BaseModel):
    """How a report's total and subtotal rows are told from its records (see docs/manifests.md, ``total_rows``).

    A row is a total when every ``when_empty`` field is empty on it (a line without a classification code), or
    when its ``label_field`` matches ``label_pattern``. Totals are read apart from the records, never added to
    them, and checked: each ``sums`` field of a total must equal the sum of that field over the records that
    share the total's non-empty ``scope`` fields (a subtotal of mục 1000 sums the lines of mục 1000).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    when_empty: list[str] = Field(default_factory=list)
    label_field: str | None = None
    label_pattern: str | None = None
    scope: list[str] = Field(default_factory=list)
    sums: list[str] = Field(default_factory=list)

    @field_validator("label_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"label_pattern is not a regular expression ({exc})") from None
        return value

    @model_validator(mode="after")
    def _says_how(self) -> TotalRows:
        if not self.when_empty and not self.label_pattern:
            raise ValueError("total_rows needs `when_empty` fields or a `label_pattern`")
        if self.label_pattern and not self.label_field:
            raise ValueError("total_rows: `label_pattern` needs the `label_field` it reads")
        return self

    def fields(self) -> set[str]:
        return {*self.when_empty, *self.scope, *self.sums, *([self.label_field] if self.label_field else [])}


class SourceManifest(BaseModel):
    """One source file family of one former ward: where its files are, how to read them, what each column is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    former_ward: str = Field(pattern=r"^\d{5}$")
    description: str | None = None
    path: str
    format: Format
    encoding: Encoding = "utf-8"
    as_of: dt.date
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    quotechar: str | None = Field(default=None, min_length=1, max_length=1)
    sheet: str | int | None = None
    skip_rows: int = Field(default=0, ge=0)
    header_rows: int = Field(default=1, ge=1, le=5)
    footer_rows: int = Field(default=0, ge=0)
    record_path: str | None = None
    table: str | None = None
    query: str | None = None
    columns: dict[str, str | None]
    record_id_from: list[str] | None = None
    date_formats: list[str] = Field(default_factory=lambda: ["%d/%m/%Y", "%Y-%m-%d", "%Y"])
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    fixed_values: dict[str, str] = Field(default_factory=dict)
    multiple_files: bool = False
    record_id_optional: list[str] = Field(default_factory=list)
    decimal_mark: Literal[",", ".", "none"] = "none"
    total_rows: TotalRows | None = None
    exact_copies: Literal["quarantine", "set_aside"] = "quarantine"

    @field_validator("former_ward", mode="before")
    @classmethod
    def _code_must_be_quoted(cls, value: Any) -> Any:
        # YAML reads an unquoted 00322 as octal 210: refuse numbers rather than guess the code.
        if isinstance(value, int):
            raise ValueError('write the five-digit code quoted, e.g. former_ward: "00322"')
        return value

    @field_validator("path")
    @classmethod
    def _path_stays_in_landing_zone(cls, value: str) -> str:
        # The glob is resolved inside the landing zone; a manifest cannot point anywhere else.
        if value.startswith(("/", "\\", "~")) or (len(value) > 1 and value[1] == ":"):
            raise ValueError("must be relative to the landing zone (no absolute path)")
        if ".." in value.replace("\\", "/").split("/"):
            raise ValueError("must stay inside the landing zone (no '..')")
        return value

    @field_validator("value_maps", mode="before")
    @classmethod
    def _map_keys_as_text(cls, value: Any) -> Any:
        # YAML reads codes 1/0 as integers; the reader delivers text, so compare as text.
        if isinstance(value, dict):
            return {
                field: {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else mapping
                for field, mapping in value.items()
            }
        return value

    @field_validator("fixed_values", mode="before")
    @classmethod
    def _fixed_as_text(cls, value: Any) -> Any:
        # A fixed value is read like a cell of text, whatever YAML made of it.
        if isinstance(value, dict):
            return {field: str(v) if v is not None else v for field, v in value.items()}
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> SourceManifest:
        known = registry()
        if self.dataset not in known:
            raise ValueError(f"dataset {self.dataset!r} is unknown; expected one of {sorted(known)}")
        fields = frozenset(known[self.dataset].field_names)
        unknown = sorted({f for f in self.columns.values() if f is not None} - fields)
        if unknown:
            raise ValueError(
                f"columns map to unknown canonical field(s) {unknown} for dataset {self.dataset!r}; "
                f"expected some of {sorted(fields)}"
            )
        targets = [f for f in self.columns.values() if f is not None]
        for fixed in self.fixed_values:
            if fixed not in fields:
                raise ValueError(f"fixed_values names unknown canonical field {fixed!r}")
            if fixed in targets:
                raise ValueError(f"fixed_values gives {fixed!r} a value although a column maps to it")
            if fixed == "source_record_id":
                raise ValueError("fixed_values cannot give every record the same source_record_id")
        targets += list(self.fixed_values)
        doubled = sorted({f for f in targets if targets.count(f) > 1})
        if doubled:
            raise ValueError(f"columns map several source columns to {doubled}")
        has_id = "source_record_id" in targets
        if not has_id and not self.record_id_from:
            raise ValueError("no column maps to source_record_id: declare record_id_from (key fields)")
        if self.record_id_from:
            if has_id:
                raise ValueError("record_id_from is only for sources without a source_record_id column")
            missing = sorted(set(self.record_id_from) - set(targets))
            if missing:
                raise ValueError(f"record_id_from names field(s) {missing} that no column maps to")
        outside = sorted(set(self.record_id_optional) - set(self.record_id_from or []))
        if outside:
            raise ValueError(f"record_id_optional names field(s) {outside} that are not in record_id_from")
        required = known[self.dataset].required - {"source_record_id"}
        absent = sorted(required - set(targets))
        if absent:
            raise ValueError(f"required canonical field(s) {absent} are mapped by no column")
        for field in self.value_maps:
            if field not in fields:
                raise ValueError(f"value_maps names unknown canonical field {field!r}")
            if known[self.dataset].field(field).kind not in (Kind.SEX, Kind.CATEGORY):
                raise ValueError(f"value_maps apply to coded fields (sex, categories), not to {field!r}")
        if self.total_rows is not None:
            spec = known[self.dataset]
            unknown_total = sorted(self.total_rows.fields() - set(targets))
            if unknown_total:
                raise ValueError(f"total_rows names field(s) {unknown_total} that no column maps to")
            not_amounts = sorted(f for f in self.total_rows.sums if spec.field(f).kind is not Kind.AMOUNT)
            if not_amounts:
                raise ValueError(f"total_rows.sums names field(s) {not_amounts} that are not amounts")
        wrong = sorted((FORMAT_OPTIONS_ALL & self.model_fields_set) - FORMAT_OPTIONS[self.format])
        if wrong:
            raise ValueError(f"option(s) {wrong} do not apply to format {self.format!r}")
        if self.format == "sqlite" and not (self.table or self.query):
            raise ValueError("sqlite sources need `table` or `query`")
        return self

    @cached_property
    def field_of_column(self) -> dict[str, str]:
        """Source column label → canonical field, for the columns that are used."""
        return {col: field for col, field in self.columns.items() if field is not None}

    @property
    def dataset_spec(self) -> Dataset:
        return registry()[self.dataset]

    def value_map(self, field: str) -> dict[str, str]:
        """The source's codes for a field: its own value map, else the field's usual spellings."""
        own = self.value_maps.get(field)
        if own:
            return own
        spec = self.dataset_spec.field(field)
        if spec.kind is Kind.SEX:
            return DEFAULT_SEX_MAP
        return dict(spec.default_map)

    @property
    def has_record_id(self) -> bool:
        return "source_record_id" in self.field_of_column.values()


FORMAT_OPTIONS_ALL = frozenset().union(*FORMAT_OPTIONS.values())


def load_manifest(path: Path) -> SourceManifest:
    """Read and validate one manifest; every problem is reported with the manifest's path and key."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(path, f"cannot read the file ({exc.strerror})") from None
    return _parse_manifest(path, data)


@functools.lru_cache(maxsize=4096)
def _parse_manifest(path: Path, data: bytes) -> SourceManifest:
    """One manifest's text, parsed and validated; kept by content, since every former ward's extract of every
    dataset reads the whole sources directory (a changed file is parsed again)."""
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (C or Python)
    except UnicodeDecodeError:
        raise ManifestError(path, "is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        # One line: what the YAML parser expected and where (its own message spans several lines).
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ManifestError(path, f"cannot read YAML: {getattr(exc, 'problem', None) or 'invalid'}{where}") from None
    if not isinstance(raw, dict):
        raise ManifestError(path, "expected a mapping of keys at the top level")
    try:
        return SourceManifest.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            key = ".".join(str(p) for p in err["loc"]) or "(manifest)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            problems.append(f"key {key!r}: {msg}")
        raise ManifestError(path, "; ".join(problems)) from None


@dataclass(frozen=True)
class ManifestScan:
    """Every manifest of a sources directory: the valid ones, and the broken ones with what they are for.

    A broken manifest fails only the former ward (and dataset) it is for, when its text says so; the others
    run. ``broken`` holds (path, error, former ward or None, dataset or None).
    """

    valid: tuple[tuple[Path, SourceManifest], ...]
    broken: tuple[tuple[Path, ManifestError, str | None, str | None], ...]

    def for_ward(self, former_ward: str, dataset: str) -> list[tuple[Path, SourceManifest]]:
        return [(p, m) for p, m in self.valid if m.former_ward == former_ward and m.dataset == dataset]

    def broken_for(self, former_ward: str, dataset: str) -> list[ManifestError]:
        """Errors of the broken manifests that declare this former ward (and this dataset, or none legible)."""
        return [e for _, e, ward, ds in self.broken if ward == former_ward and ds in (dataset, None)]

    def unattributed(self) -> list[ManifestError]:
        """Broken manifests whose former ward cannot be read: they fail no ward, but the run reports them."""
        return [e for _, e, ward, _ in self.broken if ward is None]


_WARD_IN_NAME = re.compile(r"^(\d{5})(?!\d)")


def _claimed(path: Path) -> tuple[str | None, str | None]:
    """The former ward and dataset a manifest says it is for, read leniently (for attributing its errors)."""
    ward = dataset = None
    try:
        with path.open(encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        raw = None
    if isinstance(raw, dict):
        value = raw.get("former_ward")
        ward = value if isinstance(value, str) and re.fullmatch(r"\d{5}", value) else None
        dataset = raw.get("dataset") if isinstance(raw.get("dataset"), str) else None
    if ward is None:
        match = _WARD_IN_NAME.match(path.name)
        ward = match.group(1) if match else None
    return ward, dataset


def scan_manifests(sources_dir: Path) -> ManifestScan:
    """Read every manifest (``*.yaml``, ``*.yml``) of a sources directory, sorted by file name.

    Raises :class:`ManifestError` only when the directory itself is missing; a broken manifest is kept with
    its error, so that it fails its own former ward alone.
    """
    if not sources_dir.is_dir():
        raise ManifestError(sources_dir, "sources directory does not exist")
    paths = sorted([*sources_dir.glob("*.yaml"), *sources_dir.glob("*.yml")])
    # Every former ward's extract scans the directory: a city's 2,630 manifests parsed once per ward and dataset
    # made the run grow with the square of its wards. The scan is reused while no file was added, removed or changed.
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    cached = _SCANS.get(sources_dir.resolve())
    if cached is not None and cached[0] == signature:
        return cached[1]
    valid, broken = [], []
    for path in paths:
        try:
            valid.append((path, load_manifest(path)))
        except ManifestError as exc:
            broken.append((path, exc, *_claimed(path)))
    scan = ManifestScan(tuple(valid), tuple(broken))
    _SCANS[sources_dir.resolve()] = (signature, scan)
    return scan


# Sources directory → (its files' names, modification times and sizes; the scan of them).
_SCANS: dict[Path, tuple[tuple[tuple[str, int, int], ...], ManifestScan]] = {}
