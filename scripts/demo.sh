#!/usr/bin/env bash
# The demo pipeline on data every Debian machine with rdkit-data has: 1,017 ChEMBL analogues (CHEMBL2321810) with
# pIC50 → featurised HDF5 dataset (Morgan bits, RDKit 2D descriptors, molecular graphs) → scaffold split → summary
# → D-MPNN → screen of 5,000 NCI compounds → the model pinned in OUT/manifest.json, and the command that serves it.
# Usage: scripts/demo.sh [path/to/hitforge] [output dir]
set -euo pipefail
HF=${1:-build/cli/hitforge}
OUT=${2:-demo-out}
DATA=/usr/share/RDKit/Contrib/FreeWilson/data
mkdir -p "$OUT"

echo "== 1. join structures and activities (rdkit-data: $DATA/CHEMBL2321810*) =="
awk -F, 'NR==FNR { if (FNR > 1) act[$1] = $2; next }
         FNR==1 { print "chembl_id,smiles,pIC50" }
         { split($0, f, " "); print f[2] "," f[1] "," ((f[2] in act) ? act[f[2]] : "") }' \
    "$DATA/CHEMBL2321810_act.csv" "$DATA/CHEMBL2321810.smi" > "$OUT/chembl2321810.csv"
echo "$OUT/chembl2321810.csv: $(($(wc -l < "$OUT/chembl2321810.csv") - 1)) compounds"

echo "== 2. featurise into HDF5 =="
"$HF" dataset build "$OUT/chembl2321810.csv" --smiles-col smiles --id-col chembl_id --targets pIC50 \
    --featurizer morgan:radius=2,bits=2048 --featurizer rdkit2d --featurizer graph \
    --out "$OUT/chembl2321810.h5" --threads "$(nproc)"

echo "== 3. scaffold split (no scaffold shared between train, valid and test) =="
"$HF" dataset split "$OUT/chembl2321810.h5" --method scaffold --sizes 0.8,0.1,0.1 --seed 0 --name scaffold
"$HF" dataset split "$OUT/chembl2321810.h5" --method random --sizes 0.8,0.1,0.1 --seed 0 --name random

echo "== 4. summary =="
"$HF" dataset info "$OUT/chembl2321810.h5"
echo "== 5. train a D-MPNN on the scaffold split (best epoch chosen on validation; test reported) =="
rm -rf "$OUT/run_dmpnn"
"$HF" train --data "$OUT/chembl2321810.h5" --split scaffold --model dmpnn --epochs 15 --out "$OUT/run_dmpnn" \
    --threads "$(nproc)" --log-level warn
echo "plots: $OUT/run_dmpnn/learning_curve.svg $OUT/run_dmpnn/valid_metric.svg $OUT/run_dmpnn/parity_test.svg"

echo "== 6. screen 5,000 NCI compounds (rdkit-data) with the model: PAINS + Lipinski filters; predicted pIC50, similarity to the training series, SA =="
sed -e 's|"../../demo-out/|"|g' docs/recipes/model_ranking.json > "$OUT/recipe.json"
rm -f "$OUT/hits.csv.state.json"
"$HF" screen --library /usr/share/RDKit/Data/NCI/first_5K.smi --recipe "$OUT/recipe.json" --top-k 20 \
    --out "$OUT/hits.csv" --threads "$(nproc)" --log-level warn
echo "top 5 hits (rank, index, id, smiles, status, reason, score, ...):"
head -6 "$OUT/hits.csv" | cut -c1-150
echo "score histogram: $OUT/hits.csv.hist_score.svg"

echo "== 7. pin the model for the screening server (sha256 of its run.json and weights in $OUT/manifest.json) =="
"$HF" serve --model-dir "$OUT" --pin-models
echo
echo "Serve the demo model (campaigns, predictions, dashboard); Ctrl-C stops it:"
echo "  $HF serve --model-dir $OUT --store $OUT/campaigns.db --port 8080"
echo "then open the dashboard at http://127.0.0.1:8080/ (API: docs/server.md, e.g."
echo "  curl -s http://127.0.0.1:8080/v1/models ;"
echo "  curl -s -d '{\"model\": \"run_dmpnn\", \"smiles\": [\"CCO\"]}' http://127.0.0.1:8080/v1/predict )"
echo
echo "Read it from Python:  /usr/bin/python3 -c \"import h5py; f = h5py.File('$OUT/chembl2321810.h5'); print(f['features/morgan/data'].shape)\""
