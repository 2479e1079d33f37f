# Sourced by submit/fresh-clone-check.sh and submit/bench-quickstart.sh: README's marked commands and the
# known-words measure of a sample, in one place.

readme_command() { # readme_command README NAME: the code block after README's <!-- command: NAME --> line
  awk -v name="$2" '$0 == "<!-- command: " name " -->" { found = 1; next }
                    found && /^```/ { if (inside) exit; inside = 1; next }
                    inside { print }' "$1"
}

known_words() { # known_words CORPUS SAMPLE: "HIT ALL", the sample's words of 2+ letters and how many occur in CORPUS
  awk 'NR == FNR { n = split($0, w, /[^A-Za-z]+/); for (i = 1; i <= n; i++) if (length(w[i]) > 1) seen[w[i]] = 1; next }
       { n = split($0, w, /[^A-Za-z]+/); for (i = 1; i <= n; i++) if (length(w[i]) > 1) { all++; if (w[i] in seen) hit++ } }
       END { printf "%d %d\n", hit, all }' "$1" "$2"
}
