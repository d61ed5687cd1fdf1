"""The digest tables a rebuild carries over (story summaries, page keys by version, social-card
plans) are kept in buckets: what a build recalls is exactly what the last one kept, and an edit
writes again only the buckets it changed."""

from __future__ import annotations

import random

from sitegen.deps import DIGEST_PAIRS, DIGEST_SIZE, TABLE_BUCKETS, kept_table, recalled_table
from sitegen.memo import Memo, Space
from sitegen.stores import MemoryStore

TABLE: Space[dict[bytes, bytes]] = Space("test-table", DIGEST_PAIRS)


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.puts: list[bytes] = []

    def put(self, space, key, value) -> None:  # type: ignore[no-untyped-def]
        self.puts.append(key)
        super().put(space, key, value)


def _digest(rng: random.Random) -> bytes:
    return rng.randbytes(DIGEST_SIZE)


def test_a_table_is_recalled_as_it_was_kept_over_random_edits() -> None:
    rng = random.Random(7)
    store = _CountingStore()
    table = {_digest(rng): _digest(rng) for _ in range(500)}
    for build in range(12):
        memo = Memo(store)
        last = recalled_table(memo, TABLE, b"ground")
        assert last == (table if build else {})
        if build:
            # Some entries changed, some gone, some new; now and then the whole table is emptied.
            table = dict(table)
            for key in rng.sample(sorted(table), min(len(table), rng.randrange(4))):
                if rng.random() < 0.5:
                    del table[key]
                else:
                    table[key] = _digest(rng)
            table.update({_digest(rng): _digest(rng) for _ in range(rng.randrange(3))})
            if build == 8:
                table = {}
        store.puts.clear()
        kept_table(memo, TABLE, table, last, b"ground")
        changed = {key[-1] % TABLE_BUCKETS for key, _ in set(table.items()) ^ set(last.items())}
        assert len(store.puts) == len(changed), "only the buckets that changed are written again"
        memo.finish(success=True)
    assert recalled_table(Memo(store), TABLE, b"ground") == table
    assert recalled_table(Memo(store), TABLE, b"another ground") == {}, "each name has its own table"
