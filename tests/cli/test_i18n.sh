#!/bin/bash
# crmpasswd in the caller's language: under LANG=cs_CZ.UTF-8, ja_JP.UTF-8,
# it_IT.UTF-8 and pl_PL.UTF-8 its labels, errors and dates are that
# locale's, while --csv and --json stay what programs read (English
# headings, ISO 8601 times); an unknown language is refused by user set,
# policy set and import with the store unchanged; a setuid copy run by an
# unprivileged user reads catalogs only from the system's directory, not
# from CRMPOLICY_LOCALEDIR or a LANGUAGE that climbs out of it. Run as root.
#   usage: tests/cli/test_i18n.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin i18n crmi18n
t_need_tools sqlite3 unshare setpriv msgfmt
t_conf "$TMP/store/crmpolicy.db" '' 'backup_warn_days = 0'
C="$BUILD/crmpasswd --conf $CONF"
DB=$TMP/store/crmpolicy.db
sql() { sqlite3 "$DB" "$1"; }
export CRMPOLICY_LOCALEDIR=$BUILD/locale
unset LC_ALL LC_MESSAGES LC_TIME LANGUAGE

$C init > /dev/null 2>&1
printf 'Corr3ct!Horse\n' | $C user add alice --password-stdin > /dev/null 2>&1

# lang_run LOCALE CMD...: CMD under LANG=LOCALE.
lang_run() {
	l=$1
	shift
	LANG=$l "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
}

# ---- the four languages ----
for spec in "cs_CZ.UTF-8|Uživatel:|uživatel v úložišti neexistuje|Heslo změněno:" \
	"ja_JP.UTF-8|ユーザー:|そのようなユーザーはストアにありません|パスワード変更日時:" \
	"it_IT.UTF-8|Utente:|utente non presente nell'archivio|Cambio password:" \
	"pl_PL.UTF-8|Użytkownik:|brak takiego użytkownika w bazie|Zmiana hasła:"; do
	IFS='|' read -r loc label err changed <<EOF
$spec
EOF
	if ! locale -a | grep -qix "$(echo "$loc" | sed 's/UTF-8/utf8/')"; then
		not_ok "$loc is installed (make check generates it)"
		continue
	fi
	lang_run "$loc" $C status alice
	grep_out "$loc: status labels are translated" "^$label"
	grep_out "$loc: the password's date has its own label" "^$changed"
	no_grep_out "$loc: dates are not ISO 8601 in text" "[0-9]T[0-9][0-9]:.*Z"
	lang_run "$loc" $C status nobody-here
	grep_err "$loc: errors are translated" "$err"
	lang_run "$loc" $C audit --csv
	check "$loc: --csv keeps English headings" \
		"TIME,EVENT,ACTOR,USER,SERVICE,ADDRESS,DETAILS" \
		"$(head -n 1 "$TMP/out" | tr -d '\r')"
	grep_out "$loc: --csv keeps ISO 8601 times" "^20[0-9-]*T[0-9:]*Z,init,"
	lang_run "$loc" $C status alice --json
	json_is "$loc: --json keeps its keys and times" \
		"json_extract(j, '\$.user') || ' ' || (json_extract(j, '\$.password_changed') LIKE '%T%Z')" \
		"alice 1"
done
lang_run C.UTF-8 $C status alice
grep_out "in the C locale, English" "^User:"
grep_out "and ISO 8601 dates" "^Password changed: *20[0-9-]*T"

# ---- lang: set, shown, refused when unknown ----
expect 0 "user set --lang cs" $C user set alice --lang cs
check "the account keeps cs" cs "$(sql "select lang from accounts where name = 'alice'")"
expect 0 "status shows it" $C status alice
grep_out "status: Language: cs" "^Language: *cs$"
before=$(sql "select count(*) from audit")
expect 2 "user set --lang klingon is refused" $C user set alice --lang klingon
grep_err "the refusal names the known languages" "unknown language (known: cs, en, it, ja, pl)"
check "and the account keeps cs" cs "$(sql "select lang from accounts where name = 'alice'")"
check "and nothing is audited" "$before" "$(sql "select count(*) from audit")"
expect 0 "user set --lang '' follows the policy again" $C user set alice --lang ''
expect 0 "policy set --global lang=ja" $C policy set --global lang=ja
expect 0 "status" $C status alice
grep_out "status shows the policy's language" "^Language: *ja (from the policy)"
expect 2 "policy set --global lang=xx is refused" $C policy set --global lang=xx
grep_err "naming what is wrong" "unknown language"
$C group add agents > /dev/null 2>&1
expect 2 "policy set --group lang=../cs is refused" $C policy set --group agents "lang=../cs"
check "the policy keeps ja and nothing else" "global||lang|ja" \
	"$(sql "select * from policy where key = 'lang'" | tr '\n' ' ' | sed 's/ $//')"
printf 'username,lang\r\nbob,pl\r\ncarol,tlh\r\n' > "$TMP/users.csv"
expect 2 "an import with an unknown language is refused" $C import "$TMP/users.csv"
grep_err "naming its line and column" "line 3: lang:"
check "and nobody is added" 1 "$(sql "select count(*) from accounts")"

# ---- a setuid copy reads only the system's catalogs ----
# A catalog that would print EVIL for "User:", where the caller points.
mkdir -p "$TMP/evil/cs/LC_MESSAGES" "$TMP/bin" "$TMP/etc-security"
printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "User:"\nmsgstr "EVIL:"\n' \
	> "$TMP/evil.po"
msgfmt -o "$TMP/evil/cs/LC_MESSAGES/crmpolicy.mo" "$TMP/evil.po"
chmod -R a+rX "$TMP/evil"
lang_run cs_CZ.UTF-8 env CRMPOLICY_LOCALEDIR="$TMP/evil" $C status alice
grep_out "not setuid, CRMPOLICY_LOCALEDIR is followed (the catalog works)" "^EVIL:"
U=crmi18n$$
trap 'userdel "$U" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
useradd -M -s /usr/sbin/nologin "$U" || { not_ok "cannot add a test user"; t_end; exit; }
printf 'Corr3ct!Horse\n' | $C user add "$U" --password-stdin > /dev/null 2>&1
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"
cp "$BUILD/crmpasswd" "$TMP/bin/crmpasswd"
chmod 4755 "$TMP/bin/crmpasswd"
for how in "CRMPOLICY_LOCALEDIR=$TMP/evil" "LANGUAGE=../../../..$TMP/evil/cs" \
		"LANGUAGE=cs:../../../..$TMP/evil/cs" "LC_MESSAGES=../../../..$TMP/evil/cs"; do
	t_as "$U" env LANG=cs_CZ.UTF-8 "$how" "$TMP/bin/crmpasswd" status \
		> "$TMP/out" 2> "$TMP/err" < /dev/null
	no_grep_out "setuid, $how: no foreign catalog" "EVIL"
	grep_out "setuid, $how: the user's status is shown" "$U"
done

t_end
