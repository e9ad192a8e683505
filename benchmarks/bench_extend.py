"""Benchmark: what extending a tokenizer to a new language buys, and what it leaves alone.

    python benchmarks/bench_extend.py [--data ../shared/corpus/dev.parquet] [--base-vocab 32768]

A base is trained on the German/English part of the dev corpus (its documents in Latin script) and
extended with the Chinese part (its documents holding Han characters) by +1,000, +4,000 and +16,000 tokens (one extension by the most,
then `truncated` for the smaller ones: the same merges a smaller extension learns). One document
in ten of each language is held apart from all training; bytes per token is measured on those.
For context, a tokenizer trained from scratch on both parts at the largest extended size is
measured too: it moves every id. Exits with status 1 unless every extension keeps the base's
ids and only joins the base's tokens on English. Writes extend_results.md and extend_results.json next to this file (or in --out).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import regex

import hfbpe

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.parquet"
ADDS = (1_000, 4_000, 16_000)
HAN = regex.compile(r"\p{Han}")
NOT_LATIN = regex.compile(r"[^\p{Latin}\p{Common}\p{Inherited}]")


def language(text: str, source: str) -> str | None:
    """The part a document belongs to, by its script: sources mix languages (the fortunes and part of
    linux-doc are Chinese, the Chinese man pages often mostly English), so the source alone is not enough.
    Documents holding any Han character are Chinese, other non-Latin ones are left out, the rest are
    German (man-de) or English."""
    if HAN.search(text):
        return "zh"
    if NOT_LATIN.search(text):
        return None
    return "de" if source == "man-de" else "en"


def bytes_per_token(tok: hfbpe.Tokenizer, texts: list[str]) -> float:
    n_bytes = sum(len(t.encode()) for t in texts)
    return n_bytes / sum(len(ids) for ids in tok.batch_encode(texts))


def english_kept(base: hfbpe.Tokenizer, tok: hfbpe.Tokenizer, texts: list[str]) -> tuple[float, float, bool]:
    """Share of documents whose ids are the base's, share of tokens that are new ids, and whether every
    document's tokens only join the base's (each boundary between two tokens is one of the base's)."""
    lengths = tok.token_byte_lengths()
    same = new = total = 0
    joins_only = True
    for before, after in zip(base.batch_encode(texts), tok.batch_encode(texts)):
        same += before == after
        new += sum(i >= base.n_vocab for i in after)
        total += len(after)
        ends_before = set(itertools.accumulate(lengths[i] for i in before))
        joins_only &= all(end in ends_before for end in itertools.accumulate(lengths[i] for i in after))
    return same / len(texts), new / total, joins_only


def write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--base-vocab", type=int, default=32768)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()

    held: dict[str, list[str]] = {"zh": [], "en": [], "de": []}
    train: dict[str, list[str]] = {"zh": [], "en": [], "de": []}
    table = pq.read_table(args.data, columns=["text", "source"])
    for text, source in zip(table["text"].to_pylist(), table["source"].to_pylist()):
        part = language(text, source)
        if part is not None:
            seen = len(train[part]) + len(held[part])
            (held if seen % 10 == 9 else train)[part].append(text)
    de_en, zh = train["de"] + train["en"], train["zh"]
    mb = lambda texts: sum(len(t.encode()) for t in texts) / 1e6  # noqa: E731

    began = time.perf_counter()
    base = hfbpe.train(de_en, args.base_vocab, show_progress=False)
    base_s = time.perf_counter() - began
    began = time.perf_counter()
    largest = hfbpe.extend(base, zh, add=max(ADDS), show_progress=False)
    extend_s = time.perf_counter() - began
    began = time.perf_counter()
    scratch = hfbpe.train(de_en + zh, largest.n_vocab, show_progress=False)
    scratch_s = time.perf_counter() - began

    rows = [("base", 0, base)]
    rows += [(f"base +{n:,}", n, largest.truncated(base.n_vocab + n)) for n in ADDS]
    rows.append(("from scratch on both", None, scratch))
    results = []
    for name, added, tok in rows:
        kept = added is not None and all(tok.token_bytes(i) == base.token_bytes(i) for i in range(base.n_vocab))
        row = {"tokenizer": name, "ids": tok.n_vocab, "added": added, "base_ids_kept": kept,
               **{f"bytes_per_token_{lang}": bytes_per_token(tok, texts) for lang, texts in held.items()}}
        if added is not None:
            row["en_documents_unchanged"], row["en_new_id_share"], row["en_joins_only"] = \
                english_kept(base, tok, held["en"])
        results.append(row)
    extensions = [r for r in results if r["added"]]
    skipped = largest.training_summary.get("skipped_merges", 0)

    lines = [
        "# Extending a German/English tokenizer with Chinese",
        "",
        f"Data: {args.data.name}; training: German/English {mb(de_en):.1f} MB, Chinese {mb(zh):.1f} MB; "
        f"held apart (one document in ten): Chinese {mb(held['zh']):.2f} MB, English {mb(held['en']):.2f} MB, "
        f"German {mb(held['de']):.2f} MB.",
        f"Base: hfbpe.train at {args.base_vocab:,} ids ({base_s:.1f} s). "
        f"hfbpe.extend by +{max(ADDS):,}: {extend_s:.1f} s ({skipped} merges skipped because their bytes "
        f"already were a base token); smaller extensions are `truncated` of it. From scratch on both at "
        f"{largest.n_vocab:,} ids: {scratch_s:.1f} s.",
        "",
        "| tokenizer | ids | base ids kept | bytes/token zh | bytes/token en | bytes/token de "
        "| en docs with the base's ids | en tokens that are new ids | en tokens only join the base's |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        kept = "yes" if r["base_ids_kept"] else "no" if r["added"] is not None else "n/a"
        english = (f"{r['en_documents_unchanged']:.1%} | {r['en_new_id_share']:.3%} | "
                   f"{'yes' if r['en_joins_only'] else 'NO'}") if "en_joins_only" in r else "n/a | n/a | n/a"
        lines.append(f"| {r['tokenizer']} | {r['ids']:,} | {kept} | {r['bytes_per_token_zh']:.3f} | "
                     f"{r['bytes_per_token_en']:.3f} | {r['bytes_per_token_de']:.3f} | {english} |")
    lines += ["", "bytes/token: text bytes over tokens on the held-apart documents (higher is better). "
              "An extension changes English only where a token learned from the Chinese part applies (the "
              "Chinese documents hold English words and code); those tokens only join base tokens, so no "
              "English document takes more tokens than it did.", ""]
    report = "\n".join(lines)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "extend_results.md", report)
    write(args.out / "extend_results.json", json.dumps({
        "rows": results, "base_seconds": base_s, "extend_seconds": extend_s, "scratch_seconds": scratch_s,
        "skipped_merges": skipped, "machine": platform.platform()}, indent=1))
    return 0 if all(r["base_ids_kept"] and r["en_joins_only"] for r in extensions) else 1


if __name__ == "__main__":
    sys.exit(main())
