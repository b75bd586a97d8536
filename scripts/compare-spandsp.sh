#!/usr/bin/env bash
# compare-spandsp.sh [TALKOFF_DIR] — linetap's DTMF and caller-ID receivers
# against spandsp's (Debian's libspandsp-dev, installed here when missing
# and running as root) on the same machine, the same signals and in the same
# minute: five rounds, each running every receiver once in turn, then the
# median of each. DTMF runs over the talk-off corpus (scripts/talkoff.sh;
# generated into TALKOFF_DIR when that has no WAV files), caller ID over ten
# ETSI and ten Bell 202 messages back to back (scripts/compare/cidwav, the
# signal of dsp/callerid's BenchmarkReceiver/fsk). Figures are seconds of
# audio per CPU second (getrusage), so other load counts for less than in
# wall time. spandsp is only measured: nothing of it is part of linetap.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:-/tmp/linetap-talkoff}
if [ ! -f /usr/include/spandsp.h ]; then
	[ "$(id -u)" = 0 ] || { echo "compare-spandsp.sh: install libspandsp-dev first" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libspandsp-dev >/dev/null
fi
if ! compgen -G "$corpus/*.wav" >/dev/null; then
	scripts/talkoff.sh "$corpus" >/dev/null
fi
work=$(mktemp -d -t linetap-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/spandsp" scripts/compare/spandsp.c -lspandsp
go run ./scripts/compare/cidwav "$work"
go test -c -o "$work/dtmf.test" -tags talkoff ./dsp/dtmf/
go test -c -o "$work/callerid.test" ./dsp/callerid/

for round in 1 2 3 4 5; do
	echo "round $round (load $(cut -d' ' -f1 /proc/loadavg))" >&2
	"$work/spandsp" dtmf "$corpus"/*.wav
	"$work/spandsp" dtmf-dialtone "$corpus"/*.wav
	LINETAP_TALKOFF_DIR=$corpus "$work/dtmf.test" -test.run '^$' -test.bench TalkOffCorpus -test.benchtime 2x |
		awk '/audio-s\/cpu-s/ { for (i = 1; i < NF; i++) if ($(i+1) == "audio-s/cpu-s") print "linetap dtmf: " $i " audio-s/cpu-s" }'
	"$work/spandsp" clip 50 "$work/etsi.wav"
	"$work/spandsp" class 50 "$work/bell.wav"
	"$work/callerid.test" -test.run '^$' -test.bench 'Receiver/fsk' -test.benchtime 50x |
		awk '/audio-s\/CPU-s/ { for (i = 1; i < NF; i++) if ($(i+1) == "audio-s/CPU-s") print "linetap callerid (every standard): " $i " audio-s/cpu-s" }'
done | tee "$work/all.txt" >&2
echo "median of 5:"
sed -E 's/: ([0-9.]+) audio-s\/cpu-s.*/\t\1/' "$work/all.txt" | sort -t$'\t' -k1,1 -k2,2n |
	awk -F'\t' '{ v[$1] = v[$1] " " $2; n[$1]++ } END { for (k in v) { split(substr(v[k], 2), a, " "); printf "  %-45s %8.0f audio-s/cpu-s\n", k, a[int((n[k] + 1) / 2)] } }' | sort
echo "false digits on the corpus:"
grep -h 'digits in' "$work/all.txt" | sed -E 's/: [0-9]+ audio-s\/cpu-s,/:/' | sort -u | sed 's/^/  /'
LINETAP_TALKOFF_DIR=$corpus "$work/dtmf.test" -test.run '^TestTalkOff$' -test.v | grep -o 'talk-off: .*' | sed 's/^/  linetap /'
