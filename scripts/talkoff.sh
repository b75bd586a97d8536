#!/usr/bin/env bash
# talkoff.sh [DIR] — generate the DTMF talk-off corpus: speech from
# espeak-ng in several languages, voices, speeds and pitches, music-like
# signals from sox (chords, arpeggios, plucks, sweeps, tremolo, noise
# bursts) and mixes of the two at several levels, then the harder part
# (scripts/talkoff-hard.sh), all as 8 kHz 16-bit mono WAV in DIR (default: a new temporary directory). Prints DIR and the
# corpus length. Needs espeak-ng and sox (apt-get install -y espeak-ng sox).
# The corpus is generated, never committed.
set -euo pipefail

for tool in espeak-ng sox soxi; do
	if ! command -v "$tool" >/dev/null; then
		echo "talkoff.sh: $tool not found; install it with: apt-get install -y espeak-ng sox" >&2
		exit 1
	fi
done

dir=${1:-$(mktemp -d -t linetap-talkoff.XXXXXX)}
mkdir -p "$dir"
tmp=$(mktemp -d -t linetap-talkoff-tmp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# to8k IN OUT GAIN_DB: resample to 8 kHz mono 16-bit, peak-normalise to
# GAIN_DB dBFS.
to8k() { sox -q -V1 "$1" -r 8000 -c 1 -b 16 -e signed-integer "$2" gain -n "$3"; }

# --- Texts: digits and numbers, spelled letters, sibilants, ordinary prose.
cat >"$tmp/en.txt" <<'TXT'
My card number is four five three nine, one two eight eight, zero zero seven six, three one four one.
Call me back on 0 1 6 3 2, 9 6 0 4 7 7, extension 2 1 5, before six thirty.
The reference is A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z.
She sells sea shells by the sea shore, and the shells she sells are surely seashells.
Six thick thistle sticks; six sleek swans swam swiftly southwards; Sam's shop stocks short spotted socks.
Seventy seven, eighty eight, ninety nine, one hundred and eleven, two thousand and twenty four.
Yes, yes, that's right, press star, then hash, then nine, and wait for the tone. Hmm, okay. Mmm hmm.
Please hold the line while I transfer you to accounts. Thank you for calling, have a nice day.
Whoooa, eeeeee, aaaah, ooooh, la la la la, hmmmmm, ziiiing, shhhhh, tsss, ding dong, beep beep.
TXT
cat >"$tmp/de.txt" <<'TXT'
Meine Kundennummer ist vier sieben eins, null acht drei, neun neun zwei. Rufen Sie mich um sechzehn Uhr an.
Fischers Fritz fischt frische Fische; frische Fische fischt Fischers Fritz. Zwischen zwei Zwetschgenzweigen.
Bitte buchstabieren Sie: A wie Anton, B wie Berta, C wie Cäsar, D wie Dora, S wie Samuel, Z wie Zacharias.
TXT
cat >"$tmp/fr.txt" <<'TXT'
Mon numéro est le zéro six, quarante-deux, dix-sept, quatre-vingt-dix-neuf, soixante et onze.
Les chaussettes de l'archiduchesse sont-elles sèches ou archi-sèches? Si six scies scient six cyprès.
Merci de patienter, votre appel est important pour nous. Tapez étoile puis dièse.
TXT
cat >"$tmp/es.txt" <<'TXT'
Mi número es seis, cinco, cuatro, tres, dos, uno, cero, nueve, ocho, siete. Llámeme mañana.
El cielo está enladrillado, ¿quién lo desenladrillará? Tres tristes tigres tragaban trigo en un trigal.
TXT
cat >"$tmp/it.txt" <<'TXT'
Il codice è sette otto nove, quattro cinque sei, uno due tre, zero. Sopra la panca la capra campa.
TXT
cat >"$tmp/sv.txt" <<'TXT'
Mitt nummer är noll sju tre, fyrtiofem, sextiosju, åttionio. Sju sjösjuka sjömän sköttes av sju sköna sjuksköterskor.
TXT
cat >"$tmp/nl.txt" <<'TXT'
Mijn nummer is nul zes, twaalf, vierendertig, zesenvijftig. De kat krabt de krullen van de trap.
TXT
cat >"$tmp/pl.txt" <<'TXT'
Mój numer to sześćset dwanaście, trzysta czterdzieści, pięćdziesiąt sześć. W Szczebrzeszynie chrząszcz brzmi w trzcinie.
TXT
cat >"$tmp/ja.txt" <<'TXT'
電話番号は ゼロ サン、イチ ニ サン ヨン、ゴ ロク ナナ ハチ です。すもももももももものうち。
TXT
cat >"$tmp/cmn.txt" <<'TXT'
我的电话号码是一三八，零零一二，三四五六。四是四，十是十，十四是十四，四十是四十。
TXT
cat >"$tmp/ru.txt" <<'TXT'
Мой номер восемь девятьсот шестнадцать, сто двадцать три, сорок пять, шестьдесят семь. Шла Саша по шоссе и сосала сушку.
TXT
cat >"$tmp/hi.txt" <<'TXT'
मेरा नंबर नौ आठ सात छह पांच चार तीन दो एक शून्य है। कच्चा पापड़ पक्का पापड़।
TXT

# --- Speech: language, voice variant, speed (wpm), pitch (0-99), amplitude.
n=0
speak() { # lang variant speed pitch textfile
	n=$((n + 1))
	local raw="$tmp/s$n.wav"
	espeak-ng -v "$1+$2" -s "$3" -p "$4" -f "$5" -w "$raw" 2>/dev/null
	to8k "$raw" "$dir/speech-$n-$1-$2-s$3-p$4.wav" -3
	rm -f "$raw"
}
for v in m1 m3 m7 f1 f3 f5 croak whisper klatt3; do
	speak en-us "$v" 160 50 "$tmp/en.txt"
done
for spec in "en-gb m2 130 30" "en-gb f2 210 70" "en-gb-scotland m4 175 40" "en-us f4 120 85" \
	"en-us m5 230 20" "en-029 m6 150 60" "en-us klatt 170 45" "en-us Annie 165 55" "en-us michel 150 35"; do
	# shellcheck disable=SC2086
	speak $spec "$tmp/en.txt"
done
for spec in "de m2 150 40" "de f3 180 65" "fr-fr m3 160 50" "fr-fr f2 140 70" "es m1 170 45" \
	"es f4 190 60" "it m4 160 50" "sv f1 150 55" "nl m6 160 45" "pl f5 150 60" "ja f2 150 60" \
	"cmn m3 150 50" "cmn f3 170 75" "ru m7 160 35" "hi f1 150 55"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	speak "$1" "$2" "$3" "$4" "$tmp/$(echo "$1" | cut -d- -f1).txt"
done

# --- Music-like signals.
note() { sox -q -n -r 8000 -c 1 -b 16 "$1" synth "$2" "$3" "$4" fade q 0.01 "$2" 0.05; } # out dur shape freq
chord() { # out dur shape f1 f2 f3 [f4]
	local out=$1 dur=$2 shape=$3; shift 3
	local parts=() i=0
	for f in "$@"; do
		i=$((i + 1)); note "$tmp/c$i.wav" "$dur" "$shape" "$f"; parts+=("$tmp/c$i.wav")
	done
	sox -q -m "${parts[@]}" "$out"
}
m=0
music() { m=$((m + 1)); to8k "$1" "$dir/music-$m-$2.wav" "$3"; }
# Chord progressions in several timbres (C, Am, F, G, E7, Dm) — major and
# minor thirds, fifths, sevenths.
for shape in sine triangle square sawtooth; do
	list=()
	k=0
	for ch in "261.6 329.6 392.0" "220.0 261.6 329.6" "174.6 220.0 261.6 349.2" "196.0 246.9 293.7 392.0" \
		"164.8 207.7 246.9 293.7" "293.7 349.2 440.0" "523.3 659.3 784.0" "698.5 880.0 1046.5" \
		"1174.7 1396.9 1760.0" "392.0 493.9 587.3 698.5"; do
		k=$((k + 1))
		# shellcheck disable=SC2086
		chord "$tmp/ch$k.wav" 1.2 "$shape" $ch
		list+=("$tmp/ch$k.wav")
	done
	sox -q "${list[@]}" "$tmp/prog.wav"
	sox -q "$tmp/prog.wav" "$tmp/prog.wav" "$tmp/prog.wav" "$tmp/prog2.wav"
	music "$tmp/prog2.wav" "chords-$shape" -6
done
# Arpeggios and scales over three octaves, fast and slow, plucked and sine.
for spec in "0.08 pluck" "0.15 sine" "0.25 square" "0.12 triangle" "0.05 sawtooth"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	list=()
	k=0
	for rep in 1 2 3; do
		for f in 130.8 164.8 196.0 261.6 329.6 392.0 523.3 659.3 784.0 1046.5 1318.5 1568.0 2093.0 \
			1568.0 1318.5 1046.5 784.0 698.5 587.3 493.9 440.0 349.2 293.7 220.0; do
			k=$((k + 1))
			note "$tmp/a$k.wav" "$1" "$2" "$f"
			list+=("$tmp/a$k.wav")
		done
	done
	sox -q "${list[@]}" "$tmp/arp.wav"
	sox -q "$tmp/arp.wav" "$tmp/arp.wav" "$tmp/arp.wav" "$tmp/arp.wav" "$tmp/arp2.wav"
	music "$tmp/arp2.wav" "arpeggio-$2-$1" -6
done
# Sweeps: linear and exponential, single and two simultaneous (one rising,
# one falling: they cross every DTMF row/column pair).
sox -q -n -r 8000 -c 1 -b 16 "$tmp/sw1.wav" synth 30 sine 200-3600
sox -q -n -r 8000 -c 1 -b 16 "$tmp/sw2.wav" synth 30 sine 3600:200
music "$tmp/sw1.wav" sweep-linear -6
music "$tmp/sw2.wav" sweep-exp -6
# Two sweeps at once (one pair crossing, one parallel) pass through every
# DTMF row/column pair; they sweep 1400-2200 Hz/s so that no pair stays
# within ±1.5 % for 20 ms. (A slower two-tone sweep is a key press by
# ITU-T Q.24's tolerances, not talk-off.)
for k in $(seq 1 80); do
	sox -q -n -r 8000 -c 1 -b 16 "$tmp/x$k.wav" synth 0.25 sine 600-950 synth 0.25 sine mix 1750-1150
	sox -q -n -r 8000 -c 1 -b 16 "$tmp/y$k.wav" synth 0.25 sine 650-1000 synth 0.25 sine mix 1150-1700
done
sox -q "$tmp"/x*.wav "$tmp/sw5.wav"
sox -q "$tmp"/y*.wav "$tmp/sw8.wav"
music "$tmp/sw5.wav" sweep-cross -6
music "$tmp/sw8.wav" sweep-parallel -6
# Tremolo and vibrato tones, warbles.
for spec in "440 6 80" "700 5 50" "1200 8 90" "941 4 60"; do
	# shellcheck disable=SC2086 # spec is a list of words
	set -- $spec
	sox -q -n -r 8000 -c 1 -b 16 "$tmp/tr.wav" synth 15 sine "$1" synth 15 sine fmod "$(($1 / 100))" tremolo "$2" "$3"
	music "$tmp/tr.wav" "tremolo-$1" -6
done
# Noise bursts: white, pink and brown, 50-400 ms with gaps.
list=()
k=0
for rep in 1 2 3 4 5 6 7 8 9 10; do
	for spec in "0.05 whitenoise" "0.4 pinknoise" "0.1 brownnoise" "0.2 whitenoise" "0.3 pinknoise"; do
		# shellcheck disable=SC2086 # spec is a list of words
		set -- $spec
		k=$((k + 1))
		sox -q -n -r 8000 -c 1 -b 16 "$tmp/nb$k.wav" synth "$1" "$2" pad 0 0.$((rep % 4 + 1))
		list+=("$tmp/nb$k.wav")
	done
done
sox -q "${list[@]}" "$tmp/nb.wav"
music "$tmp/nb.wav" noise-bursts -3

# --- Mixes: speech under music and noise, at several relative levels.
all_speech=("$dir"/speech-*.wav)
sp=("${all_speech[@]:0:12}")
mu=("$dir"/music-*.wav)
x=0
for i in "${!sp[@]}"; do
	x=$((x + 1))
	mfile=${mu[$((i % ${#mu[@]}))]}
	for rel in 0 10 20; do
		sox -q -V1 -m -v 1 "${sp[$i]}" -v "$(awk "BEGIN{print 10^(-$rel/20)}")" "$mfile" "$tmp/mix.wav" trim 0 "$(soxi -D "${sp[$i]}")"
		to8k "$tmp/mix.wav" "$dir/mix-$x-rel$rel.wav" "-$((3 + rel))"
	done
done
# Quiet and loud copies of a few speech files (level matters to the gates).
for f in "${all_speech[@]:0:6}"; do
	b=$(basename "$f" .wav)
	sox -q "$f" "$dir/$b-quiet.wav" gain -25
	sox -q -V1 "$f" "$dir/$b-loud.wav" gain -n 0 compand 0.01,0.1 -60,-60,-30,-10,0,-3 0 -90 0.01
done

# The harder part (hard-*.wav): more languages and voices, speech over
# notes on DTMF frequencies, chords in every key, sung vowels.
"$(dirname "$0")/talkoff-hard.sh" "$dir"

secs=$(for f in "$dir"/*.wav; do soxi -D "$f"; done | awk '{s += $1} END {printf "%.0f", s}')
files=("$dir"/*.wav)
echo "$dir: ${#files[@]} files, $((secs / 60)) min $((secs % 60)) s"
