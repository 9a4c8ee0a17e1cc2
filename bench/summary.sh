#!/usr/bin/env bash
# Headline figures of a bench/run.sh results folder, against the issues' targets:
#   - main/reuse: Baton vs Postfix vs Haraka vs raw, accept and end-to-end
#     msgs/s and CPU s per 1000 messages (medians over repetitions), with
#     Baton/Postfix ratios (target: >= 4x the rate at <= 1/3 of the CPU);
#   - discard: Baton with queue.discard vs smtp-sink (target: >= 50%).
# The full per-cell tables are the harness's table.md in each phase folder.
#   summary.sh OUT_DIR [c] [size]      (headline cell, default c=20 size=10240)
set -euo pipefail
OUT=${1:?usage: summary.sh OUT_DIR [c] [size]}
C=${2:-20}
S=${3:-10240}

# median of column $col over rows of target,c,size (results.csv layout of the harness)
cells() { # csv -> "target c size accept_med e2e_med cpk_med n ok_all" per cell
  awk -F, 'FNR > 1 {
      k = $1 "," $2 "," $3
      if (!(k in n)) order[++nk] = k
      i = ++n[k]; acc[k, i] = $8; e2e[k, i] = $9; cpk[k, i] = $11; if ($17 != 1) bad[k] = 1
    }
    function med(arr, k, cnt,   a, i, j, x, m) {
      m = 0
      for (i = 1; i <= cnt; i++) if (arr[k, i] != "") a[++m] = arr[k, i] + 0
      if (m == 0) return ""
      for (i = 2; i <= m; i++) { x = a[i]; j = i - 1; while (j > 0 && a[j] > x) { a[j + 1] = a[j]; j-- } a[j + 1] = x }
      return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END { for (o = 1; o <= nk; o++) { k = order[o]; split(k, p, ",")
      printf "%s %s %s %s %s %s %d %d\n", p[1], p[2], p[3], med(acc, k, n[k]), med(e2e, k, n[k]), med(cpk, k, n[k]), n[k], (k in bad) ? 0 : 1 } }' "$1"
}

headline() { # phase-dir title
  local csv=$1/results.csv
  [ -s "$csv" ] || return 0
  printf '\n### %s: c=%s, %s B (medians)\n\n' "$2" "$C" "$S"
  echo "| target | accept msgs/s | end-to-end msgs/s | CPU s / 1000 msgs | accept vs Postfix | e2e vs Postfix | CPU vs Postfix |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  cells "$csv" | awk -v c="$C" -v s="$S" '
    $2 == c && $3 == s { t[++n] = $1; a[$1] = $4; e[$1] = $5; k[$1] = $6; ok[$1] = $8 }
    function r(x, y) { return (x != "" && y != "" && y > 0) ? sprintf("%.2fx", x / y) : "" }
    END { for (i = 1; i <= n; i++) { x = t[i]
      printf "| %s | %.0f | %s%s | %s | %s | %s | %s |\n", x, a[x], (e[x] == "" ? "" : sprintf("%.0f", e[x])), (ok[x] ? "" : " (!)"),
        (k[x] == "" ? "-" : sprintf("%.2f", k[x])), r(a[x], a["postfix"]), r(e[x], e["postfix"]), r(k[x], k["postfix"]) } }'
}

discard() { # phase-dir title
  local csv=$1/results.csv
  [ -s "$csv" ] || return 0
  printf '\n### %s: Baton with queue.discard vs smtp-sink (accept msgs/s, medians)\n\n' "$2"
  echo "| cell | smtp-sink (raw) | baton-discard | baton-discard / raw |"
  echo "|---|---:|---:|---:|"
  cells "$csv" | awk '
    { key = "c=" $2 " " $3 " B"; if (!(key in seen)) { seen[key] = 1; order[++n] = key } a[$1, key] = $4 }
    END { for (i = 1; i <= n; i++) { k = order[i]
      printf "| %s | %.0f | %.0f | %s |\n", k, a["raw", k], a["baton-discard", k],
        (a["raw", k] > 0 ? sprintf("%.0f%%", 100 * a["baton-discard", k] / a["raw", k]) : "") } }'
}

[ -f "$OUT/baton.txt" ] && { echo '```'; cat "$OUT/baton.txt"; [ -f "$OUT/main/env.txt" ] && cat "$OUT/main/env.txt"; echo '```'; }
headline "$OUT/main" "one connection per message, durable queue"
headline "$OUT/reuse" "connection reuse (smtp-source -d), durable queue"
discard "$OUT/discard" "one connection per message"
discard "$OUT/discard-reuse" "connection reuse (smtp-source -d)"
echo
echo "Targets (issues 2 and 3): Baton >= 4x Postfix's accept and end-to-end rate at <= 1/3 of its CPU per message;"
echo "queue.discard >= 50% of smtp-sink. (!) = the sink did not get every message within the timeout."
