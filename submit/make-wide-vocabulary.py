#!/usr/bin/python3
"""make-wide-vocabulary.py CORPUS OUT [SYMBOLS]: a corpus of SYMBOLS distinct symbols (default 6000) made from CORPUS.

Each of CORPUS's most frequent words becomes one CJK ideograph (U+4E00 on), as many words as it takes for the text
to hold SYMBOLS distinct symbols; every other character stays. The result reads like a logographic text with a
Zipf-distributed vocabulary, for measuring how training scales with the number of symbols (bench-vocabulary.sh).

Words shrink to one character each, so the text is repeated (its last copy cut) to as many characters as CORPUS:
a corpus half the size has twice the epochs per character, and with them twice the validations, checkpoints and
short last rounds, which a comparison of vocabularies should not count. Its validation split then overlaps its
training text: compare its speed and memory, not its loss.
"""
import collections
import re
import sys

source, target = sys.argv[1], sys.argv[2]
symbols = int(sys.argv[3]) if len(sys.argv) > 3 else 6000
text = open(source, encoding="utf-8").read()
if not text:
    print(f"make-wide-vocabulary: {source} is empty; give a corpus with text", file=sys.stderr)
    sys.exit(2)
words = collections.Counter(re.findall(r"[A-Za-z']+", text))
kept = set(text)
# A word mapped to an ideograph may take the last use of some letter away; recount until the total is right.
count = symbols - len(kept)
while True:
    chosen = {w: chr(0x4E00 + i) for i, (w, _) in enumerate(words.most_common(count))}
    out = re.sub(r"[A-Za-z']+", lambda m: chosen.get(m.group(0), m.group(0)), text)
    distinct = len(set(out))
    if distinct == symbols or count >= len(words):
        break
    count += symbols - distinct
once = len(out)
out = (out * (len(text) // once + 1))[:len(text)]
open(target, "w", encoding="utf-8").write(out)
print(f"{target}: {len(out)} characters ({once} repeated), {len(set(out))} symbols ({len(chosen)} words as ideographs)")
