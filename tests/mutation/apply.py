"""Applies (or with --restore, undoes) one line of mutants.txt in a tree.

A line is "FILE | TEXT | MUTATED | why [| EQUIVALENT reason]"; TEXT must
occur in FILE and its first occurrence is replaced (MUTATED = DELETE removes
it). Prints what it did."""
import sys

restore = sys.argv[1] == "--restore"
tree, line = sys.argv[-2], sys.argv[-1]
fields = [f.strip() for f in line.split(" | ")]
if len(fields) < 4:
    sys.exit(f"not FILE | TEXT | MUTATED | why: {line}")
path, text, mutated, why = fields[:4]
if mutated == "DELETE":
    mutated = ""
full = f"{tree}/{path}"
source = open(full).read()
if restore:
    open(full, "w").write(open(full + ".orig").read())
    sys.exit(0)
if text not in source:
    sys.exit(f"{path}: text not found: {text}")
open(full + ".orig", "w").write(source)
open(full, "w").write(source.replace(text, mutated, 1))
print(f"{path}: {why}")
