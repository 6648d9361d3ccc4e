#!/bin/bash
# The message catalogs: the template is made again from the sources (the
# same scripts/po-template.sh as make pot), and each language of
# po/LINGUAS must translate every message of it, with nothing fuzzy, the
# printf directives of each original kept, the plural forms of its
# language, and its crmpolicy.mo built from the current po/<lang>.po.
# Then a catalog with one translation blanked must be caught, so that
# the checks cannot pass by checking nothing.
#   usage: tests/cli/test_catalogs.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 2

t_begin catalogs crmcatalogs
t_need_tools xgettext msgfmt msgcmp msgmerge msgattrib
POT=$TMP/crmpolicy.pot

# The number of plural forms each language has.
nplurals_of() {
	case "$1" in
	ja) echo 1 ;;
	it) echo 2 ;;
	cs|pl) echo 3 ;;
	*) echo "" ;;
	esac
}

# res NAME COMMAND...: one check, passing when COMMAND succeeds (its
# output in $TMP/out and $TMP/err). Under SELF_CHECK a failure is not
# reported but its name is added to SELF_FAILED, one a line.
SELF_CHECK="" SELF_FAILED=""
res() {
	local name=$1
	shift
	if "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null; then
		[ -n "$SELF_CHECK" ] || ok "$name"
	elif [ -n "$SELF_CHECK" ]; then
		SELF_FAILED="$SELF_FAILED$name
"
	else
		not_ok "$name"
	fi
}

# statistics_clean PO: msgfmt's checks pass and its count names only
# translated messages (no fuzzy, no untranslated).
statistics_clean() {
	local s
	s=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$1" 2>&1) ||
		{ echo "$s"; return 1; }
	echo "$s"
	printf '%s\n' "$s" | grep -qE '^[0-9]+ translated messages?\.$'
}

# no_fuzzy PO: no entry, the header included, flagged fuzzy.
no_fuzzy() {
	! grep -nE '^#,.*\bfuzzy\b' "$1"
}

# plural_forms PO N: the header's Plural-Forms says nplurals=N.
plural_forms() {
	local got
	got=$(grep -m 1 '^"Plural-Forms:' "$1" |
		sed -n 's/.*nplurals=[[:space:]]*\([0-9]*\).*/\1/p')
	echo "nplurals=$got, wanted $2"
	[ "$got" = "$2" ]
}

# placeholders PO: every translation keeps the directives of its
# original (their number, the order of arguments, their types). The
# catalog is merged with the fresh template, so that the template's
# c-format flags hold whatever the catalog's own say; msgmerge marks an
# entry whose flags changed fuzzy and msgfmt would pass over it, so the
# fuzzy marks are cleared (no_fuzzy looks for them).
placeholders() {
	msgmerge --quiet --no-fuzzy-matching -o "$TMP/merged.po" "$1" "$POT" &&
		msgattrib --clear-fuzzy -o "$TMP/merged.po" "$TMP/merged.po" &&
		LC_ALL=C msgfmt --check -o /dev/null "$TMP/merged.po"
}

# mo_current PO MO: the compiled catalog exists and is not older than PO.
mo_current() {
	[ -s "$2" ] || { echo "$2 is missing"; return 1; }
	[ ! "$1" -nt "$2" ] || { echo "$2 is older than $1: make"; return 1; }
}

# check_catalog LANG PO MO: every check of one catalog.
check_catalog() {
	local l=$1 po=$2 mo=$3 n
	res "$l: every message of the template is translated" \
		msgcmp "$po" "$POT"
	res "$l: msgfmt --check counts no fuzzy or untranslated message" \
		statistics_clean "$po"
	res "$l: no entry is flagged fuzzy" no_fuzzy "$po"
	n=$(nplurals_of "$l")
	if [ -n "$n" ]; then
		res "$l: Plural-Forms has nplurals=$n" plural_forms "$po" "$n"
	else
		res "$l: the header has Plural-Forms" grep -q '^"Plural-Forms:' "$po"
	fi
	res "$l: each translation keeps its original's placeholders" \
		placeholders "$po"
	res "$l: its crmpolicy.mo is built from the current catalog" \
		mo_current "$po" "$mo"
}

res "the template is made from the sources" scripts/po-template.sh "$POT"
langs=$(sed 's/#.*//' po/LINGUAS | tr -s '[:space:]' ' ')
for l in cs it ja pl; do
	has "po/LINGUAS names $l" " $l " " $langs "
done
for l in $langs; do
	if [ ! -f "po/$l.po" ]; then
		FAILED=$((FAILED + 1))
		echo "not ok - $l: po/$l.po exists"
		continue
	fi
	check_catalog "$l" "po/$l.po" "$BUILD/locale/$l/LC_MESSAGES/crmpolicy.mo"
done

# ---- the checks catch a missing translation ----
# The first translation after the header, blanked.
awk '!done && /^msgstr "[^"]/ { print "msgstr \"\""; done = 1; skip = 1; next }
	skip && /^"/ { next }
	{ skip = 0; print }' po/cs.po > "$TMP/cs.po"
check "the self-check's copy has one translation fewer" 1 \
	"$(diff po/cs.po "$TMP/cs.po" | grep -c '^> msgstr ""$')"
# Its compiled catalog is current, so only the translation is wrong.
msgfmt -o "$TMP/cs.mo" "$TMP/cs.po"
SELF_CHECK=1 SELF_FAILED=""
check_catalog cs "$TMP/cs.po" "$TMP/cs.mo"
SELF_CHECK=""
for name in "cs: every message of the template is translated" \
		"cs: msgfmt --check counts no fuzzy or untranslated message"; do
	case "$SELF_FAILED" in
	*"$name"*) ok "a blanked translation fails \"$name\"" ;;
	*) printf '%s' "$SELF_FAILED" | sed 's/^/# failed: /'
		not_ok "a blanked translation fails \"$name\"" ;;
	esac
done
# An unchanged copy passes them: the failures were the blank's.
cp po/cs.po "$TMP/cs.po"
msgfmt -o "$TMP/cs.mo" "$TMP/cs.po"
SELF_CHECK=1 SELF_FAILED=""
check_catalog cs "$TMP/cs.po" "$TMP/cs.mo"
SELF_CHECK=""
check "an unchanged copy of po/cs.po passes the same checks" "" "$SELF_FAILED"

t_end
