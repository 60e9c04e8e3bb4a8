#!/usr/bin/env bash
# Renders invoice workbooks to PDF (and PNG pages) with LibreOffice (headless), to eyeball the
# layout, to prove a workbook opens in LibreOffice, or to check its print setup (InvoiceRenderTests).
#   scripts/render-invoice.sh WORKBOOK.xlsx... [--out DIR] [--png] [--single-page-sheets]
# Prints the path of each PDF (and, with --png, of each PNG page) it writes.
# Default: A4 pages as the workbook's print setup lays them out (one page wide, header row
#   repeated, "Page N of M"); this is how an OB prints or saves the invoice as PDF.
# --png: also one PNG per PDF page, <name>-<N>.png at 80 dpi (pdftoppm); page 1 is the Invoice sheet.
# --single-page-sheets: one PDF page per sheet, sized to the sheet (LibreOffice >= 7.4).
# Installs libreoffice-calc-nogui and poppler-utils through apt when soffice / pdftoppm are missing
# (about 90 MB to download; scripts/bootstrap.sh installs them for CI).
set -euo pipefail

out=""
files=()
png=0
filter="pdf"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --png) png=1; shift ;;
    --single-page-sheets) filter='pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
[[ ${#files[@]} -gt 0 ]] || { echo "usage: $0 WORKBOOK.xlsx... [--out DIR] [--png] [--single-page-sheets]" >&2; exit 2; }

# --- optional dependencies: LibreOffice Calc, poppler (only installed when missing) ---
need=()
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
[[ $png -eq 0 ]] || command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [[ ${#need[@]} -gt 0 ]]; then
  echo "installing ${need[*]} (apt)..." >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
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
  stem="$dir/$(basename "${file%.xlsx}")"
  [[ -s "$stem.pdf" ]] || { echo "conversion failed: $file" >&2; exit 1; }
  echo "$stem.pdf"
  if [[ $png -eq 1 ]]; then
    rm -f "$stem"-*.png
    pdftoppm -png -r 80 "$stem.pdf" "$stem"
    ls "$stem"-*.png
  fi
done
