#!/usr/bin/env bash
# Instruction counts (valgrind callgrind) of one synthesis of each variant at two sizes, and the
# ratios of their marginal cost per task definition. Instruction counts do not depend on what
# else the machine is doing, unlike times, so they settle c/b where timings are too noisy.
# Run: npm run bench:instructions   (SMALL=20 LARGE=120 by default; about 6 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench:instructions: valgrind is missing (apt-get install -y valgrind)" >&2; exit 1; }
SMALL=${SMALL:-20}
LARGE=${LARGE:-120}
out=$(mktemp -d)
run() { # variant size: writes the instruction count to $out/<variant>.<size>
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2.cg" node --import tsx bench/once.ts "$1" "$2" 2>"$out/$1.$2.log" >/dev/null
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/$1.$2.log" | head -1 > "$out/$1.$2"
}
export -f run
export out
# Two runs at a time (one per core); each count is independent of the other's.
for v in plain hand enforced aspect; do for s in "$SMALL" "$LARGE"; do echo "$v $s"; done; done | xargs -P 2 -n 2 bash -c 'run "$0" "$1"'
declare -A n
for v in plain hand enforced aspect; do
  for s in "$SMALL" "$LARGE"; do
    n[$v.$s]=$(cat "$out/$v.$s")
    [ -n "${n[$v.$s]}" ] || { echo "bench:instructions: no count for $v at $s:" >&2; cat "$out/$v.$s.log" >&2; exit 1; }
    printf '%-9s %5d task definitions: %15d instructions\n' "$v" "$s" "${n[$v.$s]}"
  done
done
rm -rf "$out"
node -e '
const [small, large, a1, a2, b1, b2, c1, c2, d1, d2] = process.argv.slice(1).map(Number);
const per = (x1, x2) => (x2 - x1) / (large - small);
const [a, b, c, d] = [per(a1, a2), per(b1, b2), per(c1, c2), per(d1, d2)];
console.log(`marginal instructions per task definition: (a) plain ${a.toFixed(0)}, (b) hand ${b.toFixed(0)}, (c) enforced ${c.toFixed(0)}, (d) aspect ${d.toFixed(0)}`);
console.log(`marginal c/b ${(c / b).toFixed(4)}, c/a ${(c / a).toFixed(4)}, d/b ${(d / b).toFixed(4)}; whole run at ${large}: c/b ${(c2 / b2).toFixed(4)}, c/a ${(c2 / a2).toFixed(4)}, d/b ${(d2 / b2).toFixed(4)}`);
' "$SMALL" "$LARGE" "${n[plain.$SMALL]}" "${n[plain.$LARGE]}" "${n[hand.$SMALL]}" "${n[hand.$LARGE]}" "${n[enforced.$SMALL]}" "${n[enforced.$LARGE]}" "${n[aspect.$SMALL]}" "${n[aspect.$LARGE]}"
