"""Clusters to stable keys: ours, not the clustering's, and kept across nightly runs.

Clusters come from :func:`connected_components` (edges above the match threshold, strongest first, never
joining two CCCDs more than a typo apart nor two members of one household listing) with the clerks'
decisions applied.

A clustering (Splink's, or any other) labels records differently on every run. Here each item keeps the key it
had: a cluster takes the oldest (smallest) key among its items' previous keys; when an old key's items fall into
several clusters, the cluster with most items keeps it and the others get new keys (a split); when a cluster
holds items of several old keys, the oldest survives and the others retire into it (a merge). Both are returned
as events so an old key always resolves to its current key. Used for persons and for households alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            root = self.find(parent)
            self.parent[item] = root
            return root
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller label becomes the root, so labels do not depend on edge order.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def typo_apart(a: str, b: str) -> bool:
    """Whether two ID numbers are equal or one typo apart: one digit replaced, or two neighbours swapped
    (optimal-string-alignment distance ≤ 1; inserting or dropping a digit changes the length, which
    validation rejects)."""
    if a == b:
        return True
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def connected_components(
    items: list[str],
    edges: pd.DataFrame,
    *,
    must_link: pd.DataFrame | None = None,
    cannot_link: pd.DataFrame | None = None,
    cccd: pd.Series | None = None,
    households: pd.Series | None = None,
) -> pd.Series:
    """A cluster label per item (its component's smallest item) from edges ``l``/``r``.

    Clerical decisions win over the model: a ``cannot_link`` pair's edge is dropped, a ``must_link`` pair is joined.
    (Two records decided different can still meet through a third record; the review table shows such cases.)

    Two kinds of records can never be one person, however the edges chain: two carrying CCCDs more than a typo
    apart (``cccd``: item → number; a CCCD is issued once for life), and two listed in the same source household
    (``households``: item → household; a roster lists each member of a household once, so twins who share
    everything else stay two). With either given, edges are taken strongest first (by ``match_weight`` when the
    edges have it) and an edge that would join such records is skipped: a chain A–B–C through a record without
    an ID (B) does not join two people the IDs tell apart. Clerks' ``must_link`` pairs are joined regardless.
    """
    forbidden: set[tuple[str, str]] = set()
    if cannot_link is not None and not cannot_link.empty:
        forbidden = {tuple(sorted(p)) for p in zip(cannot_link["l"], cannot_link["r"], strict=True)}
    uf = _UnionFind()
    for item in items:
        uf.find(item)
    constrained = cccd is not None or households is not None
    numbers: dict[str, set[str]] = {}
    homes: dict[str, set[str]] = {}
    for labels, source in ((numbers, cccd), (homes, households)):
        if source is None:
            continue
        for item, label in source.dropna().items():
            if str(item) in uf.parent:
                labels.setdefault(uf.find(str(item)), set()).add(str(label))

    def join(a: str, b: str, checked: bool) -> None:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return
        if checked:
            if homes.get(ra, set()) & homes.get(rb, set()):
                return
            if any(not typo_apart(x, y) for x in numbers.get(ra, ()) for y in numbers.get(rb, ())):
                return
        uf.union(a, b)
        root = uf.find(a)
        for labels in (numbers, homes):
            merged = labels.pop(ra, set()) | labels.pop(rb, set())
            if merged:
                labels[root] = merged

    if must_link is not None and not must_link.empty:
        for a, b in zip(must_link["l"], must_link["r"], strict=True):
            if a in uf.parent and b in uf.parent:
                join(a, b, checked=False)
    if not edges.empty:
        ordered = edges
        if "match_weight" in edges.columns:
            ordered = edges.assign(_w=-edges["match_weight"]).sort_values(["_w", "l", "r"], kind="stable")
        for a, b in zip(ordered["l"], ordered["r"], strict=True):
            if tuple(sorted((a, b))) in forbidden:
                continue
            if a in uf.parent and b in uf.parent:
                join(a, b, checked=constrained)
    return pd.Series({item: uf.find(item) for item in items}, name="cluster")


@dataclass(frozen=True)
class KeyAssignment:
    keys: pd.Series  # item -> stable key
    events: pd.DataFrame  # event (merge|split), from_key, to_key, items
    next_key: int


def assign_stable_keys(clusters: pd.Series, previous: pd.Series, next_key: int) -> KeyAssignment:
    """Stable keys per item from cluster labels and each item's previous key (NaN when the item is new)."""
    frame = pd.DataFrame({"cluster": clusters, "old": previous.reindex(clusters.index)})
    size = frame.groupby("cluster").size()
    old_keys = frame.dropna(subset=["old"]).astype({"old": "int64"})
    claims = old_keys[["cluster", "old"]].drop_duplicates()
    claims = claims.assign(size=claims["cluster"].map(size).to_numpy())
    # Bigger clusters choose first, so the part of a split with more items keeps the key; each takes the lowest
    # of its previous keys that no earlier cluster took.
    claims = claims.sort_values(["size", "cluster", "old"], ascending=[False, True, True], kind="stable")
    taken: set[int] = set()
    chosen: dict[str, int] = {}
    for cluster, key in zip(claims["cluster"].tolist(), claims["old"].tolist(), strict=True):
        if cluster not in chosen and key not in taken:
            taken.add(key)
            chosen[cluster] = key
    for cluster in sorted(set(frame["cluster"]) - set(chosen)):
        chosen[cluster] = next_key
        next_key += 1
    keys = frame["cluster"].map(chosen).astype("int64")

    moved = pd.DataFrame({"from_key": old_keys["old"], "to_key": keys.loc[old_keys.index]})
    moved = moved[moved["from_key"] != moved["to_key"]]
    flows = Counter(zip(moved["from_key"], moved["to_key"], strict=True))
    still_current = set(keys)
    events = pd.DataFrame(
        [
            {"event": "split" if src in still_current else "merge", "from_key": src, "to_key": dst, "items": n}
            for (src, dst), n in sorted(flows.items())
        ],
        columns=["event", "from_key", "to_key", "items"],
    )
    return KeyAssignment(keys=keys, events=events, next_key=next_key)


def resolve_retired(key_map: pd.DataFrame, events: pd.DataFrame, current_keys: set[int]) -> pd.DataFrame:
    """Update the key map (``person_key`` → ``current_person_key``) so every key ever issued resolves.

    A retired key points to the key that took most of its items; any key pointing to a key that retires now is
    re-pointed along (so resolution is one lookup, never a chain).
    """
    mapping = dict(zip(key_map["person_key"], key_map["current_person_key"], strict=True)) if len(key_map) else {}
    for key in current_keys:
        mapping[key] = key
    merges = events[events["event"] == "merge"].sort_values(
        ["from_key", "items", "to_key"], ascending=[True, False, True]
    )
    target = merges.drop_duplicates("from_key").set_index("from_key")["to_key"].to_dict()
    for key, dest in target.items():
        mapping[key] = dest
    changed = True
    while changed:  # path compression: at most a few rounds
        changed = False
        for key, dest in mapping.items():
            final = mapping.get(dest, dest)
            if final != dest:
                mapping[key] = final
                changed = True
    out = pd.DataFrame({"person_key": list(mapping), "current_person_key": list(mapping.values())})
    out["status"] = ["current" if k in current_keys else "retired" for k in out["person_key"]]
    return (
        out.astype({"person_key": "int64", "current_person_key": "int64"})
        .sort_values("person_key")
        .reset_index(drop=True)
    )
