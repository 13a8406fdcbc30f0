"""Personal data sealed: planted names and IDs in every kind of failing delivery appear in no byte the run writes."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from pathlib import Path

import sqlalchemy as sa

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from pipelines.settings import SETTINGS
from schemas import warehouse as w

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Mã NK", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Điện thoại", "Tổ dân phố", "Đường phố"]
FIELDS = [
    "source_record_id", "full_name", "date_of_birth", "sex", "national_id", "phone", "residential_group", "street"
]  # fmt: skip
SECRETS = {
    "name": "Lưu Bí Mật",
    "name2": "Thạch Kín Đáo",
    "cccd": "001177998877",
    "phone": "0987654321",
    "dob": "13/11/1977",
}
PLANTED = ["BM1", SECRETS["name"], SECRETS["dob"], "Nữ", SECRETS["cccd"], SECRETS["phone"], "Tổ 1", "Tân Mai"]
PLANTED2 = ["BM2", SECRETS["name2"], SECRETS["dob"], "Nam", "001077112233", "0912121212", "Tổ 2", "Tân Mai"]


def _people(n: int) -> list[list[str]]:
    return [
        [f"P{i}", f"Trần Văn {name}", f"0{1 + i % 9}/0{1 + i % 9}/19{60 + i}", "Nam", f"0010{60 + i}00{i:04d}",
         f"09{i:08d}", f"Tổ {1 + i % 2}", "Tân Mai"]
        for i, name in enumerate(["An", "Bình", "Cường", "Dũng", "Giang", "Hải"])
    ][:n]  # fmt: skip


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(r) + "\n" for r in rows)


def _manifest(ward: str, path: str, fmt: str = "csv", encoding: str = "utf-8", extra: str = "") -> str:
    columns = "\n".join(f'  "{h}": {f}' for h, f in zip(HEADER, FIELDS, strict=True))
    return (
        f'dataset: residents\nformer_ward: "{ward}"\npath: "{path}"\nformat: {fmt}\nencoding: {encoding}\n'
        f"as_of: 2025-06-30\ncolumns:\n{columns}\n{extra}"
    )


def _deliveries(landing: Path, sources: Path) -> dict[str, str]:
    """One former ward per kind of bad delivery; returns what each must fail with (or 'ok')."""
    good = [HEADER, *_people(6)]
    kinds: dict[str, str] = {}

    def deliver(ward: str, name: str, data: bytes | str, manifest: str, expect: str) -> None:
        (landing / ward).mkdir(parents=True, exist_ok=True)
        target = landing / ward / name
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        (sources / f"{ward}_residents.yaml").write_text(manifest, encoding="utf-8")
        kinds[ward] = expect

    # A CSV whose header line was lost: the first line the reader sees is a person.
    deliver("00280", "r.csv", _csv([PLANTED, *_people(3)]), _manifest("00280", "00280/*.csv"), "not found in the file")
    # Declared TCVN3, delivered as UTF-8: the text decodes into something that is not Vietnamese.
    deliver("00295", "r.csv", _csv([HEADER, PLANTED, *_people(3)]), _manifest("00295", "00295/*.csv", encoding="tcvn3"),
            "encoding")  # fmt: skip
    # A NUL byte inside a name: that record is quarantined, the ward loads.
    nul = [PLANTED[0], "Lưu Bí\x00 Mật", *PLANTED[2:]]
    deliver("00298", "r.csv", _csv([*good, nul]), _manifest("00298", "00298/*.csv"), "ok")
    # The same file delivered twice.
    deliver("00304", "r.csv", _csv([HEADER, PLANTED2, *_people(2)]), _manifest("00304", "00304/*.csv"), "twice")
    shutil.copy(landing / "00304" / "r.csv", landing / "00304" / "r (1).csv")
    # An empty file.
    deliver("00310", "r.csv", b"", _manifest("00310", "00310/*.csv"), "empty")
    # A truncated file: its last line is cut in the middle.
    text = _csv([HEADER, *_people(2), PLANTED])
    deliver("00313", "r.csv", text[: text.index(SECRETS["cccd"]) + 5], _manifest("00313", "00313/*.csv"), "fields")
    # Broken JSON around a person's data.
    broken = '{"data": [' + json.dumps(dict(zip(HEADER, PLANTED, strict=True)), ensure_ascii=False) + ", {oops"
    deliver("00319", "r.json", broken, _manifest("00319", "00319/*.json", fmt="json", extra='record_path: "data"\n'),
            "not valid JSON")  # fmt: skip
    # Changed columns: the ID column was renamed in this export.
    renamed = [[*HEADER[:4], "CCCD mới", *HEADER[5:]], PLANTED, *_people(2)]
    deliver("00322", "r.csv", _csv(renamed), _manifest("00322", "00322/*.csv"), "Số CCCD")
    # An application file with a different table than declared.
    (landing / "00325").mkdir()
    with sqlite3.connect(landing / "00325" / "r.sqlite") as con:
        con.execute("create table nk (ten text, cccd text)")
        con.execute("insert into nk values (?, ?)", (SECRETS["name"], SECRETS["cccd"]))
    (sources / "00325_residents.yaml").write_text(
        _manifest("00325", "00325/*.sqlite", fmt="sqlite", extra="table: nhan_khau\n"), encoding="utf-8"
    )
    kinds["00325"] = "query failed"
    # A good delivery, so that the run has something to load and link.
    deliver("00358", "r.csv", _csv(good), _manifest("00358", "00358/*.csv"), "ok")
    return kinds


def _secret_forms() -> list[bytes]:
    import unicodedata

    forms = []
    for value in SECRETS.values():
        forms += [value.encode("utf-8"), unicodedata.normalize("NFD", value).encode("utf-8")]
    forms.append(SECRETS["cccd"][3:].encode())  # the random digits alone
    return forms


def test_planted_personal_data_appears_in_no_byte_the_run_writes(tmp_path, warehouse_url, capsys, monkeypatch):
    for env, _default in SETTINGS.values():
        monkeypatch.delenv(env, raising=False)
    home, landing, sources = tmp_path / "home", tmp_path / "landing", tmp_path / "sources"
    for d in (home, landing, sources):
        d.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.chdir(home)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    routing = tmp_path / "routing.csv"
    wards = ["00280", "00295", "00298", "00304", "00310", "00313", "00319", "00322", "00325", "00358"]
    routing.write_text(
        "former_ward_code,residential_group,street,new_ward_code\n"
        + "".join(f"{ward},{g},,00322\n" for ward in wards for g in (1, 2)),
        encoding="utf-8",
    )
    kinds = _deliveries(landing, sources)
    code = cli.main(
        ["run", "--landing", str(landing), "--sources", str(sources), "--routing", str(routing),
         "--warehouse", warehouse_url, "--data-dir", str(home / "data")]
    )  # fmt: skip
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert code == cli.EXIT_FAILED
    # Each bad delivery failed its own former ward, in one line naming what went wrong and where.
    for ward, expect in kinds.items():
        lines = [line for line in printed.splitlines() if line.startswith(f"{ward} failed:")]
        if expect == "ok":
            assert not lines, ward
        else:
            assert len(lines) == 1 and expect in lines[0], (ward, lines)
            assert f"former ward {ward}" in lines[0] and "Traceback" not in printed
    forms = _secret_forms()
    leaks = [f"output: {f!r}" for f in forms if f in printed.encode("utf-8")]
    # Every file the run wrote: Dagster's run and event storage, compute logs, staging, artefacts, warehouse.
    inputs = {routing, home / "dagster.yaml"}
    written = [
        p for p in tmp_path.rglob("*")
        if p.is_file() and p not in inputs and landing not in p.parents and sources not in p.parents
    ]  # fmt: skip
    assert any("storage" in p.parts for p in written) and any(p.suffix == ".db" for p in written)
    for path in written:
        data = path.read_bytes()
        leaks += [f"{path.relative_to(tmp_path)}: {f!r}" for f in forms if f in data]
        assert not stat.S_IMODE(path.stat().st_mode) & 0o077, f"{path} is readable by others"
    # The warehouse itself (whose files may be compressed): every text value of every table.
    wh = warehouse_from_url(warehouse_url)
    with wh.engine.connect() as conn:
        for table in w.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                text = " ".join(str(v) for v in row if v is not None).encode("utf-8")
                leaks += [f"table {table.name}: {f!r}" for f in forms if f in text]
        masked = conn.execute(sa.select(w.quarantine_rule.c.rule, w.quarantine_rule.c.masked_value)).all()
    wh.engine.dispose()
    assert not leaks, leaks
    # The NUL-damaged record is quarantined by its rule, its value masked (initials only).
    assert [v for r, v in masked if r == "text_control_characters"] == ['{"full_name": "L** B** M**"}']
