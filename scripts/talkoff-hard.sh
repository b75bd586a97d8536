#!/usr/bin/env bash
# talkoff-hard.sh DIR — add the harder part of the DTMF talk-off corpus to
# DIR, which scripts/talkoff.sh has filled (its speech files are mixed in
# here). Every file is named hard-*.wav, so the talk-off tests report it as
# its own group. Four kinds:
#   - speech in 16 more languages and 16 more espeak-ng voices (digits and
#     prose, 110-260 words a minute);
#   - speech over a steady or vibrato note on each DTMF row and column
#     frequency, 1 % off, at the speech's level and 6 dB under it: the
#     one false digit of the first corpus came from such a mix, a formant
#     lining up with the note;
#   - chords in all 12 keys (major, minor, dominant and diminished
#     sevenths) in sawtooth, square and triangle timbres, whose partials
#     fall on every row and column somewhere;
#   - a sung-vowel-like comb: a buzz (sawtooth) through formant-like
#     band-passes, gliding slowly in pitch.
# Pairs of pure sines on a row and a column (two whistlers, a sine duet)
# are left out on purpose: F5 + F#6 is 698.5 + 1480 Hz, a key press '3' by
# ITU-T Q.24's tolerances, not talk-off. Needs sox and espeak-ng.
set -euo pipefail

dir=${1:?usage: talkoff-hard.sh DIR (a corpus made by scripts/talkoff.sh)}
for tool in espeak-ng sox soxi; do
	if ! command -v "$tool" >/dev/null; then
		echo "talkoff-hard.sh: $tool not found; install it with: apt-get install -y espeak-ng sox" >&2
		exit 1
	fi
done
speech=("$dir"/speech-*-s*-p??.wav)
if [ ${#speech[@]} -lt 16 ]; then
	echo "talkoff-hard.sh: $dir holds ${#speech[@]} speech files: run scripts/talkoff.sh $dir first" >&2
	exit 1
fi
tmp=$(mktemp -d -t linetap-talkoff-hard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

to8k() { sox -q -V1 "$1" -r 8000 -c 1 -b 16 -e signed-integer "$2" gain -n "$3"; }

# --- More languages and voices. Digits are read in each language.
cat >"$tmp/digits.txt" <<'TXT'
4 5 3 9, 1 2 8 8, 0 0 7 6, 3 1 4 1. 0 1 6 3 2, 9 6 0 4 7 7. 2 1 5. 8 8 8, 9 9 9, 1 0 1 0.
TXT
cat >"$tmp/prose.txt" <<'TXT'
Good morning, this is the accounts department. Could you read me the number on the back of the card,
slowly please, and then the expiry date? Thank you. Oh, I see, it was declined again. Hmm. Let me check.
Well, well, well, what have we here? Wow! Really? No way! Ha ha ha. Mmm, mmm. Uh-huh. Right, right.
TXT
n=0
speak() { # lang variant speed pitch textfile
	n=$((n + 1))
	espeak-ng -v "$1+$2" -s "$3" -p "$4" -f "$5" -w "$tmp/s.wav" 2>/dev/null
	to8k "$tmp/s.wav" "$dir/hard-speech-$n-$1-$2-s$3-p$4.wav" -3
}
for spec in "pt-br m2 170 50" "tr f2 160 60" "ar m3 150 40" "ko f4 160 65" "vi m1 150 50" \
	"fi f1 170 55" "hu m4 160 45" "cs f3 150 60" "el m5 170 40" "he f5 160 70" "th m6 150 50" \
	"yue f2 160 65" "id m7 180 45" "ro f4 150 55" "uk m2 160 35" "sw f1 140 60"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	speak "$1" "$2" "$3" "$4" "$tmp/digits.txt"
done
for spec in "Alex 150 50" "Linda 170 60" "grandpa 120 30" "Gene 160 40" "Mario 180 55" \
	"anika 170 70" "Storm 200 45" "Tweaky 190 90" "female_whisper 150 60" "Andy 260 50" \
	"Denis 110 35" "Steph 175 80" "Mr_Serious 140 25" "Half-LifeAnnouncementSystem 150 50" \
	"Robosoft 160 50" "Belinda 165 75"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	speak en-us "$1" "$2" "$3" "$tmp/prose.txt"
done

# --- Speech over a note on a DTMF frequency (1 % off), steady or with a
# 5 Hz vibrato of ±0.5 %, at 0 and -6 dB to the speech. 40 s each.
k=0
for f in 697 770 852 941 1209 1336 1477 1633; do
	for rel in 0 6; do
		k=$((k + 1))
		sp=${speech[$((k % ${#speech[@]}))]}
		fn=$(awk "BEGIN{printf \"%.1f\", $f * (k % 2 ? 1.01 : 0.99)}")
		if [ $((k % 4)) -lt 2 ]; then
			sox -q -n -r 8000 -c 1 -b 16 "$tmp/note.wav" synth 40 sine "$fn"
		else
			sox -q -n -r 8000 -c 1 -b 16 "$tmp/note.wav" synth 40 sine "$fn" synth 40 sine fmod 5
		fi
		sox -q -V1 "$sp" "$tmp/sp.wav" gain -n -3 trim 0 40 pad 0 40 trim 0 40
		sox -q -V1 -m -v 1 "$tmp/sp.wav" -v "$(awk "BEGIN{print 10^(-($rel + 3)/20)}")" "$tmp/note.wav" "$tmp/mix.wav"
		to8k "$tmp/mix.wav" "$dir/hard-note-$f-rel$rel.wav" -3
	done
done

# --- Chords in all 12 keys: root position, 1.0 s each, four qualities.
semi() { awk "BEGIN{printf \"%.2f\", $1 * 2^($2/12)}"; }
for shape in sawtooth square triangle; do
	list=()
	for key in 0 1 2 3 4 5 6 7 8 9 10 11; do
		root=$(semi 261.63 "$key")
		for q in "0 4 7" "0 3 7" "0 4 7 10" "0 3 6 9"; do
			parts=()
			i=0
			for s in $q; do
				i=$((i + 1))
				sox -q -n -r 8000 -c 1 -b 16 "$tmp/n$i.wav" synth 1.0 "$shape" "$(semi "$root" "$s")" fade q 0.01 1.0 0.05
				parts+=("$tmp/n$i.wav")
			done
			c="$tmp/ch-$shape-$key-${q// /_}.wav"
			sox -q -m "${parts[@]}" "$c"
			list+=("$c")
		done
	done
	sox -q "${list[@]}" "$tmp/keys.wav"
	to8k "$tmp/keys.wav" "$dir/hard-chords-$shape.wav" -6
done

# --- Sung vowels: a sawtooth buzz (a glottal pulse train) gliding
# between two pitches, through three two-pole resonators at the formants of
# /a/, /o/, /e/, /u/ (F1, F2, F3; 80-120 Hz wide, as a vocal tract's are).
# (Brick-wall band-passes would leave two lone partials, which is a key
# press by Q.24's tolerances whenever they sit on a row and a column.)
for spec in "110:220 700 1220 2600" "220:140 500 900 2400" "180:300 530 1840 2480" "95:130 300 870 2240"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	sox -q -n -r 8000 -c 1 -b 16 "$tmp/buzz.wav" synth 20 sawtooth "$1" synth 20 sine fmod 0.5
	sox -q -V1 "$tmp/buzz.wav" "$tmp/f1.wav" band "$2" 80h
	sox -q -V1 "$tmp/buzz.wav" "$tmp/f2.wav" band "$3" 100h
	sox -q -V1 "$tmp/buzz.wav" "$tmp/f3.wav" band "$4" 120h
	sox -q -V1 -m -v 1 "$tmp/f1.wav" -v 0.5 "$tmp/f2.wav" -v 0.25 "$tmp/f3.wav" "$tmp/vowel.wav"
	to8k "$tmp/vowel.wav" "$dir/hard-vowel-$2-$3.wav" -3
done

secs=$(for f in "$dir"/hard-*.wav; do soxi -D "$f"; done | awk '{s += $1} END {printf "%.0f", s}')
files=("$dir"/hard-*.wav)
echo "$dir: ${#files[@]} hard files, $((secs / 60)) min $((secs % 60)) s"
