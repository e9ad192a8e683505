"""The README.md (model card) of a saved or pushed tokenizer: YAML front matter for the Hub, a page for people."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .patterns import PATTERNS, split_keeping_gaps

if TYPE_CHECKING:
    from .report import Report
    from .tokenizer import Tokenizer

EVALUATION_CHART = "evaluation.png"
EVALUATION_FILE = "evaluation.json"
MERGES_CHART = "merges.png"


def _pattern_name(pattern: str) -> str | None:
    return next((name for name, regex in PATTERNS.items() if regex == pattern), None)


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _table_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def evaluation_section(report: Report, chart: bool) -> str:
    """The card's "Evaluation" section: where the figures come from, the table and the chart."""
    data = ", ".join(f"{k} `{v}`" for k, v in report.data.items() if v)
    stats = report.stats()
    lines = [
        "## Evaluation",
        "",
        f"On {stats.documents:,} documents ({stats.bytes / 1e6:,.1f} MB{'; ' + data if data else ''}), "
        "measured with `hfbpe.evaluate`" + (" for each vocabulary size cut from one training (`hfbpe.sweep`)"
                                            if report.vocab_sweep else "") + ":",
        "",
        report.to_markdown(),
    ]
    if chart:
        lines += [f"![bytes per token]({EVALUATION_CHART})", ""]
    lines += [f"All figures: `{EVALUATION_FILE}`.", ""]
    return "\n".join(lines)


def merges_section() -> str:
    return ("## Merges\n\nHow often each merged pair occurred in the training data when it was merged, "
            f"by merge rank (the counts are in `hfbpe.json`, training.merge_counts):\n\n"
            f"![merge frequency]({MERGES_CHART})\n\n")


def model_card(tokenizer: Tokenizer, roles: dict[str, str], repo_id: str | None = None,
               sections: str | None = None, evaluated: bool = False) -> str:
    """The card; `sections` (evaluation_section, merges_section) go before the files table;
    `evaluated`: the files include an evaluation."""
    from . import __version__

    summary = tokenizer.training_summary or {}
    data = summary.get("data") or {}
    hub_dataset = data.get("dataset") if "/" in str(data.get("dataset", "")) else None
    repo = repo_id or "your-username/your-tokenizer"  # saved locally: the id it will have on the Hub

    front = ["---", "library_name: hfbpe", "tags:", "- tokenizer", "- bpe", "- byte-level-bpe", "- tiktoken", "- hfbpe"]
    if hub_dataset:
        front += ["datasets:", f"- {_yaml_str(hub_dataset)}"]
    front.append("---")

    pattern_name = _pattern_name(tokenizer.pattern)
    split = split_keeping_gaps(tokenizer.pattern)
    rows = [
        ("vocabulary size", f"{tokenizer.n_vocab:,} ids: " + (
            f"{tokenizer.vocab_size:,} ordinary tokens" if tokenizer.is_rank_table
            else f"256 bytes, {len(tokenizer.merges):,} merges") + f", {len(tokenizer.special_tokens)} special tokens"),
        ("split pattern", f"`{pattern_name}`" if pattern_name else
         f"`{split}`, the text between its matches kept as pieces (superword split)" if split else
         f"`{tokenizer.pattern}`"),
        ("special tokens", ", ".join(f"`{t}` = {i}" for t, i in tokenizer.special_tokens.items()) or "none"),
    ]
    for role in ("bos_token", "eos_token", "pad_token", "unk_token"):
        if role in roles:
            rows.append((role, f"`{roles[role]}`"))
    described = ", ".join(f"{k} `{v}`" for k, v in data.items() if v)
    if described:
        rows.append(("trained on", described))
    compatible = summary.get("compatible") == "tokenizers"
    if compatible:
        rows.append(("trained as", "HF tokenizers' BpeTrainer (compatible=\"tokenizers\"): its merges and ids, "
                     "and its merges in tokenizer.json"))
    for key, label, fmt in (
        ("transition", "superword (SuperBPE): ordinary tokens before the superword stage", "{:,}"),
        ("max_words", "words a token may span at most", "{:,}"),
        ("max_token_length", "max_token_length (BpeTrainer's: tokens shorter than this)" if compatible
         else "bytes a token may hold at most", "{:,}"),
        ("min_frequency", "fewest occurrences of a merged pair", "{:,}"),
        ("documents", "documents", "{:,}"),
        ("chars", "characters", "{:,}"),
        ("bytes", "UTF-8 bytes", "{:,}"),
        ("nulls", "missing values skipped", "{:,}"),
        ("invalid_utf8", "invalid UTF-8 rows skipped", "{:,}"),
        ("max_chars", "max_chars", "{:,}"),
        ("doc_cap", "doc_cap", "{:,}"),
        ("distinct_pieces", "distinct pre-tokenized pieces", "{:,}"),
        ("count_seconds", "counting time", "{:.1f} s"),
        ("merge_seconds", "merging time", "{:.1f} s"),
    ):
        if summary.get(key) is not None:
            rows.append((label, fmt.format(summary[key])))
    if summary.get("merge_filter"):
        rows.append(("tokens may not contain", ", ".join(f"`{p}`" for p in summary["merge_filter"])))
    rows.append(("trained with", f"hfbpe {__version__}"))
    table = ["| | |", "| --- | --- |", *(f"| {_table_cell(k)} | {_table_cell(v)} |" for k, v in rows)]

    runtimes = ("🤗 tokenizers and transformers encode with the merges of HF tokenizers' BpeTrainer, which this "
                "training reproduces; hfbpe and tiktoken merge by token rank." if compatible else
                "The same ids come out of hfbpe, tiktoken, 🤗 tokenizers and transformers.")
    body = f"""
# Byte-level BPE tokenizer

A GPT-style byte-level BPE tokenizer trained with [hfbpe](https://pypi.org/project/hfbpe/).
{runtimes}

{chr(10).join(table)}

## Use

With hfbpe:

```python
import hfbpe

tok = hfbpe.from_pretrained("{repo}")
ids = tok.encode("Hello world")
tok.decode(ids)
```

With tiktoken:

```python
import json
import tiktoken
from huggingface_hub import hf_hub_download
from tiktoken.load import load_tiktoken_bpe

config = json.load(open(hf_hub_download("{repo}", "hfbpe.json")))
enc = tiktoken.Encoding(
    name="{repo}",
    pat_str=config["pattern"],
    mergeable_ranks=load_tiktoken_bpe(hf_hub_download("{repo}", "tokenizer.tiktoken")),
    special_tokens=config["special_tokens"],
)
ids = enc.encode("Hello world")
```

With transformers:

```python
from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("{repo}")
ids = tok("Hello world")["input_ids"]
```

With 🤗 tokenizers:

```python
from tokenizers import Tokenizer

tok = Tokenizer.from_pretrained("{repo}")
ids = tok.encode("Hello world").ids
```

{sections or ""}
## Files

| file | what it is |
| --- | --- |
| `tokenizer.json` | 🤗 tokenizers format (read by transformers too) |
| `tokenizer_config.json`, `special_tokens_map.json` | what `AutoTokenizer` needs, special-token roles |
| `tokenizer.tiktoken` | the ranks, one `base64-token rank` line each, as `tiktoken.load.load_tiktoken_bpe` reads them |
| `hfbpe.json` | pattern, merges, special tokens and how the tokenizer was trained |
{f"| `{EVALUATION_FILE}`, `{EVALUATION_CHART}` | the evaluation above, whole, and its chart |" + chr(10) if evaluated else ""}"""
    return "\n".join(front) + "\n" + body
