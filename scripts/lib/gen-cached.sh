# Sourced by the scripts/gen-*.sh generators: builds a generated test-data
# directory once per stamp and installs it atomically.
#
#   gen_cached LABEL DEST STAMP PRODUCER
#
# Does nothing when DEST/.stamp already holds STAMP. Otherwise calls the shell
# function PRODUCER with an empty directory to fill (under target/, so the
# rename below stays on one file system), writes the stamp into it and
# installs it by rename: a stale DEST is moved aside first (`mv -T` never
# nests one directory in another), so a reader never sees a half-written set;
# if a concurrent run installed the same stamp first, that one is kept.
gen_cached() {
  local label="$1" dest="$2" stamp="$3" producer="$4"
  if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  local tmp
  tmp="$(mktemp -d "$dest.tmp.XXXXXX")"
  # shellcheck disable=SC2064 # expand $tmp now: it is local.
  trap "rm -rf '$tmp'" EXIT
  mkdir "$tmp/out"
  "$producer" "$tmp/out"
  echo "$stamp" > "$tmp/out/.stamp"
  if [ -e "$dest" ]; then
    mv -T "$dest" "$tmp/old" 2>/dev/null || true
  fi
  if ! mv -T "$tmp/out" "$dest" 2>/dev/null; then
    if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
      echo "$label: cannot install $dest" >&2
      exit 1
    fi
  fi
  echo "$label ($stamp): installed in $dest" >&2
}
