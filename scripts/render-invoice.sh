#!/usr/bin/env bash
# Renders invoice workbooks to PDF with LibreOffice (headless), e.g. to eyeball the layout or to
# prove a workbook opens in LibreOffice.
#   scripts/render-invoice.sh WORKBOOK.xlsx... [--out DIR] [--single-page-sheets]
# --single-page-sheets: one PDF page per sheet, sized to the sheet (LibreOffice >= 7.4), instead of
# A4 pages that split wide sheets; used for the screenshots in docs/ (docs/README-invoice.md).
# Installs libreoffice-calc-nogui through apt when soffice is missing (large: several hundred MB).
set -euo pipefail

out=""
files=()
filter="pdf"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --single-page-sheets) filter='pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
[[ ${#files[@]} -gt 0 ]] || { echo "usage: $0 WORKBOOK.xlsx... [--out DIR]" >&2; exit 2; }

# --- optional dependency: LibreOffice Calc (only installed when missing) ---
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  echo "installing libreoffice-calc-nogui (apt)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
fi
office=$(command -v soffice || command -v libreoffice)

for file in "${files[@]}"; do
  [[ -f "$file" ]] || { echo "no such workbook: $file" >&2; exit 1; }
  dir=${out:-$(dirname "$file")}
  mkdir -p "$dir"
  # A private profile so concurrent runs do not fight over ~/.config/libreoffice.
  profile=$(mktemp -d)
  "$office" -env:UserInstallation=file://"$profile" --headless --convert-to "$filter" --outdir "$dir" "$file" >/dev/null
  rm -rf "$profile"
  pdf="$dir/$(basename "${file%.xlsx}").pdf"
  [[ -s "$pdf" ]] || { echo "conversion failed: $file" >&2; exit 1; }
  echo "$pdf"
done
