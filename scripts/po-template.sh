#!/bin/sh
# Writes the translation template OUTPUT from the sources po/POTFILES.in
# names: the strings marked with _(), N_() and ngettext_(), with the
# comments starting "TRANSLATORS:" just above them. make pot and
# tests/cli/test_catalogs.sh both run it, so the two cannot drift apart.
#   usage: scripts/po-template.sh OUTPUT [VERSION]
# VERSION defaults to the Makefile's.
set -eu
out=${1:?usage: po-template.sh OUTPUT [VERSION]}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
cd "$(dirname "$0")/.."
version=${2:-$(sed -n 's/^VERSION *:= *//p' Makefile)}

# The patterns of POTFILES.in, relative to the top directory, expanded in
# byte order; a pattern that matches nothing adds nothing.
files=$(grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in | while read -r pat; do
	for f in $pat; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
done | LC_ALL=C sort -u)
if [ -z "$files" ]; then
	echo "po-template.sh: po/POTFILES.in names no source file" >&2
	exit 1
fi

# shellcheck disable=SC2086
xgettext --language=C --keyword=_ --keyword=N_ --keyword=ngettext_:1,2 \
	--add-comments=TRANSLATORS: --from-code=UTF-8 \
	--package-name=crmpolicy --package-version="$version" \
	-o "$out" $files
