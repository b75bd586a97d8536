# kconfig-lint.awk: a small well-formedness check of the Config.in files
# of the linetap BR2_EXTERNAL tree (run by buildroot/check.sh).
#
# It knows the subset of the Kconfig language Buildroot packages use
# (Buildroot manual, "Config.in file"; Linux
# Documentation/kbuild/kconfig-language.rst): config/menuconfig entries
# with one type, prompts, default, depends on, select, imply, range and
# help; comment, menu/endmenu, if/endif, choice/endchoice and source.
# Rules:
#   - menu/endmenu, if/endif and choice/endchoice pair up and nest;
#   - every config has exactly one type; prompts and source paths are quoted;
#   - symbols are BR2_[A-Za-z0-9_]+, and symbols defined here are
#     BR2_PACKAGE_LINETAP or BR2_PACKAGE_LINETAP_*;
#   - attributes are indented with a tab, help text more than its "help";
#   - sourced files use $BR2_EXTERNAL_LINETAP_PATH.
# Errors are printed as FILE:LINE: message; the exit status is 1 if any.

function err(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad = 1
}

function sym_ok(s) {
	return s ~ /^BR2_[A-Za-z0-9_]+$/
}

# expr_ok: a depends/if/select-if expression of symbols, !, &&, ||, (),
# = and != with quoted or plain values.
function expr_ok(e,    t) {
	t = e
	gsub(/"[^"]*"/, "V", t)
	gsub(/BR2_[A-Za-z0-9_]+/, "S", t)
	gsub(/[ \t]+/, "", t)
	if (t == "") return 0
	if (t ~ /[^SV!&|()=yn0-9]/) return 0
	if (t ~ /&&&|\|\|\||[^&]&[^&]|[^|]\|[^|]/) return 0
	return 1
}

function close_entry() {
	if (in_config && types != 1)
		printf "%s:%d: config %s has %d types (want exactly 1)\n", FILENAME, config_line, config_name, types
	if (in_config && types != 1) bad = 1
	in_config = 0
	types = 0
}

function push(kind) { stack[++depth] = kind; stack_line[depth] = FNR }

function pop(kind) {
	if (depth == 0 || stack[depth] != kind) {
		err("end" kind " without " kind (depth ? " (open: " stack[depth] " from line " stack_line[depth] ")" : ""))
		return
	}
	depth--
}

FNR == 1 {
	if (NR > 1) finish()
	depth = 0; in_config = 0; types = 0; in_help = 0
}

function finish() {
	close_entry()
	while (depth > 0) {
		printf "%s: %s opened on line %d is never closed\n", prev_file, stack[depth], stack_line[depth]
		bad = 1
		depth--
	}
}

{ prev_file = FILENAME }

# Help text: every line indented deeper than the help keyword, and blank
# lines, belong to it.
in_help {
	if ($0 ~ /^[ \t]*$/) next
	match($0, /^[ \t]*/)
	ind = substr($0, 1, RLENGTH)
	gsub(/\t/, "        ", ind)
	if (length(ind) > help_indent) next
	in_help = 0
}

/^[ \t]*$/ { next }
/^[ \t]*#/ { next }

{
	line = $0
	indented = (line ~ /^\t/)
	sub(/^[ \t]+/, "", line)
	sub(/[ \t]+$/, "", line)
	kw = line
	sub(/[ \t].*$/, "", kw)
	rest = line
	sub(/^[^ \t]+[ \t]*/, "", rest)
}

kw == "config" || kw == "menuconfig" {
	close_entry()
	if (indented) err(kw " must start in column 1")
	if (!sym_ok(rest)) { err("bad symbol name '" rest "'"); next }
	if (rest !~ /^BR2_PACKAGE_LINETAP(_[A-Z0-9_]+)?$/)
		err("symbol " rest " is not prefixed BR2_PACKAGE_LINETAP")
	if (rest in defined) err("symbol " rest " defined twice (also line " defined[rest] ")")
	defined[rest] = FNR
	in_config = 1; config_name = rest; config_line = FNR
	next
}

kw == "bool" || kw == "tristate" || kw == "string" || kw == "int" || kw == "hex" {
	if (!in_config) { err(kw " outside a config entry"); next }
	if (!indented) err(kw " must be indented with a tab")
	types++
	if (rest != "" && rest !~ /^"[^"]*"([ \t]+if[ \t]+.+)?$/) err("prompt of " kw " must be a quoted string")
	next
}

kw == "prompt" {
	if (!in_config) { err("prompt outside a config entry"); next }
	if (rest !~ /^"[^"]*"/) err("prompt must be a quoted string")
	next
}

kw == "default" {
	if (!in_config) { err("default outside a config entry"); next }
	if (!indented) err("default must be indented with a tab")
	if (rest == "") err("default without a value")
	v = rest; sub(/[ \t]+if[ \t]+.*$/, "", v)
	if (v !~ /^("[^"]*"|y|n|m|-?[0-9]+|0x[0-9a-fA-F]+|BR2_[A-Za-z0-9_]+)$/) err("bad default value '" v "'")
	if (rest ~ /[ \t]if[ \t]/) { e = rest; sub(/^.*[ \t]if[ \t]+/, "", e); if (!expr_ok(e)) err("bad condition '" e "'") }
	next
}

kw == "depends" {
	if (!indented) err("depends must be indented with a tab")
	if (rest !~ /^on[ \t]+/) { err("'depends' must be followed by 'on'"); next }
	e = rest; sub(/^on[ \t]+/, "", e)
	if (!expr_ok(e)) err("bad dependency expression '" e "'")
	next
}

kw == "select" || kw == "imply" {
	if (!in_config) { err(kw " outside a config entry"); next }
	if (!indented) err(kw " must be indented with a tab")
	s = rest; sub(/[ \t].*$/, "", s)
	if (!sym_ok(s)) err(kw " of bad symbol '" s "'")
	if (rest ~ /[ \t]/) {
		e = rest; sub(/^[^ \t]+[ \t]+/, "", e)
		if (e !~ /^if[ \t]+/) err("text after " kw " " s " must be 'if EXPR'")
		else { sub(/^if[ \t]+/, "", e); if (!expr_ok(e)) err("bad condition '" e "'") }
	}
	next
}

kw == "range" {
	if (!in_config) { err("range outside a config entry"); next }
	if (rest !~ /^[-0-9x]+[ \t]+[-0-9x]+/) err("range needs two numbers")
	next
}

kw == "help" || kw == "---help---" {
	if (!in_config) { err("help outside a config entry"); next }
	if (rest != "") err("text after help")
	match($0, /^[ \t]*/)
	ind = substr($0, 1, RLENGTH); gsub(/\t/, "        ", ind)
	help_indent = length(ind)
	in_help = 1
	next
}

kw == "comment" {
	close_entry()
	if (rest !~ /^"[^"]*"$/) err("comment text must be a quoted string")
	in_comment = 1
	next
}

kw == "menu" {
	close_entry()
	if (rest !~ /^"[^"]*"$/) err("menu title must be a quoted string")
	push("menu")
	next
}
kw == "endmenu" { close_entry(); pop("menu"); next }

kw == "if" {
	close_entry()
	if (!expr_ok(rest)) err("bad if expression '" rest "'")
	push("if")
	next
}
kw == "endif" { close_entry(); pop("if"); next }

kw == "choice" { close_entry(); push("choice"); in_config = 0; next }
kw == "endchoice" { close_entry(); pop("choice"); next }

kw == "source" {
	close_entry()
	if (rest !~ /^"[^"]*"$/) { err("source path must be a quoted string"); next }
	if (rest !~ /^"\$BR2_EXTERNAL_LINETAP_PATH\//) err("source path must start with $BR2_EXTERNAL_LINETAP_PATH/")
	next
}

{ err("unknown keyword '" kw "'") }

END {
	if (NR > 0) finish()
	exit bad
}
