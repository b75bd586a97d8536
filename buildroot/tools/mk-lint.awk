# mk-lint.awk: a small well-formedness check of the .mk files of the
# linetap BR2_EXTERNAL tree (run by buildroot/check.sh).
#
# Buildroot manual, "The .mk file" and "Infrastructure for Go packages":
# a package's variables and hook macros are named after the package in
# upper case (LINETAP_...), and the file ends with the infrastructure call.
# Rules:
#   - ifeq/ifneq/ifdef/ifndef ... [else] ... endif pair up; define/endef
#     pair up and are not nested; the body of a define is not parsed;
#   - ifeq/ifneq have the form (A,B) or "A" "B";
#   - every variable assigned and every macro defined starts with PREFIX_
#     (awk -v prefix=LINETAP; external.mk may only include);
#   - every macro added to a *_HOOKS variable is defined in the file;
#   - package files (pkg=1) end with $(eval $(golang-package)), once.
# Errors are printed as FILE:LINE: message; the exit status is 1 if any.

function err(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad = 1
}

function finish(   h) {
	if (in_define) { printf "%s:%d: define %s is never closed by endef\n", prev_file, define_line, define_name; bad = 1 }
	while (depth > 0) { printf "%s:%d: %s is never closed by endif\n", prev_file, cond_line[depth], cond_kw[depth]; bad = 1; depth-- }
	for (h in hooked) {
		if (!(h in defs)) { printf "%s:%d: hook %s is not defined\n", prev_file, hooked[h], h; bad = 1 }
	}
	if (pkg && evals != 1) { printf "%s: want exactly one $(eval $(golang-package)), found %d\n", prev_file, evals; bad = 1 }
	if (pkg && evals == 1 && last_stmt !~ /^\$\(eval \$\(golang-package\)\)$/) {
		printf "%s: $(eval $(golang-package)) must be the last statement\n", prev_file; bad = 1
	}
	split("", hooked); split("", defs)
	evals = 0; last_stmt = ""
}

FNR == 1 {
	if (NR > 1) finish()
	depth = 0; in_define = 0; cont = 0
}
{ prev_file = FILENAME }

in_define {
	if ($0 ~ /^[ \t]*endef([ \t]|$)/) { in_define = 0; last_stmt = "endef"; next }
	if ($0 ~ /^[ \t]*define[ \t]/) err("define inside define " define_name)
	next
}

# Continuation lines belong to the statement before them.
cont { cont = ($0 ~ /\\$/); next }
{ cont = ($0 ~ /\\$/) }

/^[ \t]*$/ || /^[ \t]*#/ { next }

{
	line = $0
	sub(/^[ \t]+/, "", line)
	sub(/[ \t]*#.*$/, "", line)
	sub(/[ \t]+$/, "", line)
	last_stmt = line
}

line ~ /^(ifeq|ifneq)([ \t]|\()/ {
	a = line; sub(/^if(n)?eq[ \t]*/, "", a)
	if (a !~ /^\(.*,.*\)$/ && a !~ /^("[^"]*"|'[^']*')[ \t]+("[^"]*"|'[^']*')$/) err("malformed " substr(line, 1, index(line, a) - 1) "arguments '" a "'")
	depth++; cond_kw[depth] = line; cond_line[depth] = FNR; has_else[depth] = 0
	next
}
line ~ /^(ifdef|ifndef)[ \t]/ {
	depth++; cond_kw[depth] = line; cond_line[depth] = FNR; has_else[depth] = 0
	next
}
line ~ /^else([ \t]|$)/ {
	if (depth == 0) { err("else without if"); next }
	r = line; sub(/^else[ \t]*/, "", r)
	if (r == "" && has_else[depth]) err("second else for the if on line " cond_line[depth])
	if (r != "" && r !~ /^(ifeq|ifneq|ifdef|ifndef)[ \t(]/) err("text after else must be another conditional")
	if (r == "") has_else[depth] = 1
	next
}
line ~ /^endif([ \t]|$)/ {
	if (depth == 0) err("endif without if")
	else depth--
	next
}
line ~ /^define[ \t]/ {
	n = line; sub(/^define[ \t]+/, "", n); sub(/[ \t]*[:+?]?=$/, "", n)
	if (n !~ ("^" prefix "_[A-Z0-9_]+$")) err("macro " n " is not prefixed " prefix "_")
	defs[n] = FNR
	in_define = 1; define_name = n; define_line = FNR
	next
}
line ~ /^endef/ { err("endef without define"); next }
line ~ /^-?include[ \t]/ { next }
line ~ /^\$\(eval \$\(golang-package\)\)$/ {
	if (ext) err("external.mk must not call a package infrastructure")
	evals++
	next
}
line ~ /^\$\(eval/ { err("unexpected eval: " line); next }
line ~ /^[A-Za-z0-9_.$()-]+[ \t]*(:|::|\+|\?|!)?=/ {
	if (ext) { err("external.mk may only include package files"); next }
	n = line; sub(/[ \t]*(:|::|\+|\?|!)?=.*$/, "", n)
	if (n !~ ("^" prefix "_[A-Z0-9_]+$")) err("variable " n " is not prefixed " prefix "_")
	if (n ~ /_HOOKS$/) {
		v = line; sub(/^[^=]*=[ \t]*/, "", v)
		cnt = split(v, hs, /[ \t]+/)
		for (i = 1; i <= cnt; i++) if (hs[i] != "" && !(hs[i] in hooked)) hooked[hs[i]] = FNR
	}
	next
}
{ err("unexpected statement: " line) }

END {
	if (NR > 0) finish()
	exit bad
}
