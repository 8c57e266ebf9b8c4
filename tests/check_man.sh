#!/usr/bin/env bash
# check_man.sh TOOL MANPAGE: the man page renders without a groff warning, and
# it documents exactly the options TOOL --help lists (ctest man_findscu,
# man_dicomdump). Both sides are parsed, nothing is listed here, so an option
# added to --help fails this test until the man page describes it.
#   --help: lines starting "  -" (argparse layout), the option column before
#           the description, every -x / --xx word in it;
#   man:    the tag line after each .TP of the OPTIONS section.
set -euo pipefail
tool=$1
page=$2
status=0

# groff -ww: every warning; -z: no output, only the diagnostics.
warnings=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 -z "$page" 2>&1 >/dev/null)
if [[ -n $warnings ]]; then
  echo "$page: groff warnings:" >&2
  echo "$warnings" >&2
  status=1
fi

option_words() { grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z0-9-]*' | sed 's/^[ ,]*//'; }

help=$("$tool" --help)
from_help=$(sed -n 's/^  \(-.*\)$/\1/p' <<<"$help" | sed 's/  .*//' | option_words | sort -u)
from_man=$(awk '/^\.SH /{in_opts = ($2 == "OPTIONS")} in_opts && tag {print; tag = 0} in_opts && /^\.TP/{tag = 1}' "$page" |
  sed 's/\\-/-/g' | option_words | sort -u)
if [[ -z $from_help ]]; then
  echo "$tool --help: no option found (has its layout changed?)" >&2
  exit 1
fi
missing=$(comm -23 <(echo "$from_help") <(echo "$from_man"))
extra=$(comm -13 <(echo "$from_help") <(echo "$from_man"))
if [[ -n $missing ]]; then
  echo "$page does not document these options of $tool --help: $(tr "\n" " " <<<"$missing")" >&2
  status=1
fi
if [[ -n $extra ]]; then
  echo "$page documents options $tool --help does not list: $(tr "\n" " " <<<"$extra")" >&2
  status=1
fi
[[ $status == 0 ]] && echo "$page: renders cleanly, $(wc -l <<<"$from_help") options match $tool --help"
exit $status
