"""How fast the review desk's queue pages answer on a 100,000-row review queue (DuckDB, and PostgreSQL if reachable).

Usage: .venv/bin/python bench/review_desk_benchmark.py [--rows 100000] [--repeat 15]

Fills a fresh warehouse with synthetic review rows (ten former wards, a few thousand street/group groups; no real
personal data), signs an officer of all ten wards in, and times each page in-process (request to rendered HTML,
the warehouse query included): the median over ``--repeat`` requests, in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from starlette.testclient import TestClient

from assets.lib.warehouse import warehouse_from_url
from review_desk import auth
from review_desk.app import DeskConfig, create_app
from schemas import warehouse as w

WARDS = ["00280", "00295", "00298", "00304", "00310", "00313", "00319", "00322", "00325", "00358"]
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "benchmark password"


def review_rows(n: int, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    streets = [f"Phố Số {i}" for i in range(300)]
    rows = []
    for i in range(n):
        ward = WARDS[i % len(WARDS)]
        kind = rng.random()
        street = rng.choice(streets) if kind < 0.9 else None
        group = str(rng.randrange(1, 13)) if 0.6 < kind < 0.75 else None
        reason = "street_ambiguous" if kind < 0.6 else "unknown_group_and_street" if street else "no_group_or_street"
        house = rng.randrange(1, 400)
        rows.append(
            {
                "former_ward_code": ward,
                "dataset": "residents",
                "source_file": f"{ward}/roster.csv",
                "source_row": i + 2,
                "source_record_id": f"R{i:07d}",
                "reason": reason,
                "full_name": "Nguyễn Văn An",
                "date_of_birth": pd.Timestamp(1950 + i % 70, 1 + i % 12, 1 + i % 28).date(),
                "dob_precision": "day",
                "sex": "M",
                "national_id": None,
                "phone": None,
                "house_number": str(house),
                "alley": None,
                "residential_group": group,
                "street": street,
                "street_key": street.lower().replace("phố ", "").replace("ố", "o") if street else None,
                "house_key": house,
                "file_sha256": "0" * 64,
                "run_id": "bench",
                "record_hash": uuid.uuid4().hex,
            }
        )
    return pd.DataFrame(rows)


def fill(url: str, rows: int) -> None:
    wh = warehouse_from_url(url)
    wh.create_tables()
    frame = review_rows(rows)
    with wh.engine.begin() as conn:
        wh.append(conn, w.review_queue, frame)
        auth.add_officer(conn, "bench", PASSWORD, WARDS)
        if wh.dialect == "postgresql":
            conn.execute(sa.text("ANALYZE review_queue"))
    wh.engine.dispose()


def measure(url: str, repeat: int) -> dict[str, float]:
    app = create_app(DeskConfig(warehouse_url=url, secret="b" * 48))
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token, "next": "/"})
    biggest = re.search(r'href="/routing/group\?([^"]+)"', client.get("/routing").text).group(1).replace("&amp;", "&")
    pages = {
        "overview (counts per former ward)": "/",
        "routing groups, page 1": "/routing",
        "routing groups, page 20": "/routing?page=20",
        "routing groups, one ward + reason": "/routing?ward=00310&reason=street_ambiguous",
        "routing groups, street search": "/routing?street=so+12",
        "records of the biggest group, page 1": f"/routing/group?{biggest}",
        "records of the biggest group, page 3": f"/routing/group?{biggest}&page=3",
        "one record": "/routing/record?ward=00310&dataset=residents&id=R0000004",
        "bulk-rule preview (street, odd 1–199)": "/routing/rule?ward=00310&street=Phố+Số+12&house_from=1"
        "&house_to=199&parity=odd",
    }
    out = {}
    for label, path in pages.items():
        assert client.get(path).status_code == 200, path  # warm-up, and the page works
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1e3)
        out[label] = statistics.median(times)
    app.state.desk.db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        duck = f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        fill(duck, args.rows)
        results["DuckDB"] = measure(duck, args.repeat)
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"wardmerge_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        print("PostgreSQL unreachable: DuckDB only")
    else:
        pg = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        try:
            fill(pg, args.rows)
            results["PostgreSQL"] = measure(pg, args.repeat)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    backends = list(results)
    frame = review_rows(args.rows)
    groups = len(frame.drop_duplicates(["former_ward_code", "reason", "street_key", "residential_group"]))
    print(
        f"Review desk on a {args.rows:,}-row review queue ({groups:,} groups; scale 1 has 5,786 rows in 267): "
        f"median ms per page over {args.repeat} requests"
    )
    print(f"{'page':<42}" + "".join(f"{b:>12}" for b in backends))
    for label in results[backends[0]]:
        print(f"{label:<42}" + "".join(f"{results[b][label]:>12.1f}" for b in backends))


if __name__ == "__main__":
    main()
