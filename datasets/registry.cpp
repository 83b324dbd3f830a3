#include "datasets/registry.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"

extern char** environ;

namespace hitforge::data {
namespace fs = std::filesystem;
using core::str_cat;
using core::UsageError;

namespace {

// The registry table: one object per dataset, its files one per line. sha256 and bytes describe the files as
// mirrored under the data directory (sha256sum over the mirror); url is the public origin. Shapes: registry.h.
constexpr const char* kRegistryJson = R"json(
[
 {"name": "esol", "aliases": ["delaney"], "family": "moleculenet", "description": "ESOL aqueous solubility, 1,128 molecules; column 'logp' is in fact log10 solubility (mol/L)", "format": "csv", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["logp"], "pair_columns": [], "split_column": "", "task": "regression", "standard_split": "random", "split_sizes": [0.8, 0.1, 0.1], "metric": "rmse", "extra_metrics": ["mae", "r2"], "licence": "file from the chemprop repository data/ (MIT); cite Delaney, J. Chem. Inf. Comput. Sci. 2004, 44, 1000; Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/delaney.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/b83635bcddaddcdb91d453128edec9f2be0d25cf/data/delaney.csv", "sha256": "887aa5930b0a7e7fcb76a2d25dc0ebe11c23878ca2d8d1e2204ca2c46b175140", "bytes": 33966, "role": "data", "derived": false}]},
 {"name": "freesolv", "aliases": ["sampl"], "family": "moleculenet", "description": "FreeSolv hydration free energies (kcal/mol), 642 molecules", "format": "csv", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["freesolv"], "pair_columns": [], "split_column": "", "task": "regression", "standard_split": "random", "split_sizes": [0.8, 0.1, 0.1], "metric": "rmse", "extra_metrics": ["mae", "r2"], "licence": "file from the chemprop repository data/ (MIT); cite Mobley & Guthrie, J. Comput. Aided Mol. Des. 2014, 28, 711; Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/freesolv.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/b83635bcddaddcdb91d453128edec9f2be0d25cf/data/freesolv.csv", "sha256": "97d74c86228d4c16c0fbbf063bb8280354d8152db09a85ade8517a2f43bd9824", "bytes": 14210, "role": "data", "derived": false}]},
 {"name": "lipophilicity", "aliases": ["lipo"], "family": "moleculenet", "description": "Lipophilicity: octanol/water logD at pH 7.4 from ChEMBL (AstraZeneca deposition), 4,200 molecules", "format": "csv", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["lipo"], "pair_columns": [], "split_column": "", "task": "regression", "standard_split": "random", "split_sizes": [0.8, 0.1, 0.1], "metric": "rmse", "extra_metrics": ["mae", "r2"], "licence": "file from the chemprop repository data/ (MIT); cite AstraZeneca deposition in ChEMBL (ChEMBL data CC BY-SA 3.0); Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/lipo.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/b83635bcddaddcdb91d453128edec9f2be0d25cf/data/lipo.csv", "sha256": "aa9bd9669188e35efd908758a75561bba402016d901fed2d0d949289abbcf31c", "bytes": 222638, "role": "data", "derived": false}]},
 {"name": "bbbp", "aliases": ["bbb"], "family": "moleculenet", "description": "Blood-brain barrier penetration (binary p_np), 2,039 molecules", "format": "csv", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["p_np"], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "scaffold", "split_sizes": [0.8, 0.1, 0.1], "metric": "roc_auc", "extra_metrics": ["prc_auc"], "licence": "file from the chemprop repository data/ (MIT); cite Martins et al., J. Chem. Inf. Model. 2012, 52, 1686; Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/bbbp.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/a68ade20f227862fe6265c46f021c78217a324ab/data/bbbp.csv", "sha256": "a61e17872cbec0743a6147dc802a1f7550acfe8dc1053f881f4c42a3ce2dc597", "bytes": 111265, "role": "data", "derived": false}]},
 {"name": "bace", "aliases": [], "family": "moleculenet", "description": "BACE-1 inhibitors, binary label 'Class', 1,513 molecules", "format": "csv", "smiles_column": "mol", "id_column": "", "sequence_column": "", "target_columns": ["Class"], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "scaffold", "split_sizes": [0.8, 0.1, 0.1], "metric": "roc_auc", "extra_metrics": ["prc_auc"], "licence": "file from the chemprop repository data/ (MIT); cite Subramanian et al., J. Chem. Inf. Model. 2016, 56, 1936; Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/bace.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/b83635bcddaddcdb91d453128edec9f2be0d25cf/data/bace.csv", "sha256": "847be1e38d3798c60df03e1aaf2ccd0f09f9ed89407de78e80463aa637088532", "bytes": 103228, "role": "data", "derived": false}]},
 {"name": "tox21", "aliases": [], "family": "moleculenet", "description": "Tox21 2014 challenge, 12 binary toxicity assays (missing labels empty), 7,831 molecules", "format": "csv", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase", "NR-ER", "NR-ER-LBD", "NR-PPAR-gamma", "SR-ARE", "SR-ATAD5", "SR-HSE", "SR-MMP", "SR-p53"], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "random", "split_sizes": [0.8, 0.1, 0.1], "metric": "roc_auc", "extra_metrics": ["prc_auc"], "licence": "file from the chemprop repository data/ (MIT); cite Tox21 Data Challenge 2014 (NIH/EPA/FDA); Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/tox21.csv", "url": "https://raw.githubusercontent.com/chemprop/chemprop/b83635bcddaddcdb91d453128edec9f2be0d25cf/data/tox21.csv", "sha256": "b58cc1f683e78e3c7a1bf7116e9aac0119804018d100f7b8cdb0857941c31aca", "bytes": 458635, "role": "data", "derived": false}]},
 {"name": "hiv", "aliases": [], "family": "moleculenet", "description": "DTP AIDS antiviral screen, binary HIV_active, 41,127 molecules", "format": "csv.gz", "smiles_column": "smiles", "id_column": "", "sequence_column": "", "target_columns": ["HIV_active"], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "scaffold", "split_sizes": [0.8, 0.1, 0.1], "metric": "roc_auc", "extra_metrics": ["prc_auc"], "licence": "file from the chemprop repository data/ (MIT); cite NCI DTP AIDS Antiviral Screen; Wu et al., MoleculeNet, Chem. Sci. 2018, 9, 513", "files": [
    {"path": "moleculenet/hiv.csv.gz", "url": "https://raw.githubusercontent.com/chemprop/chemprop/a68ade20f227862fe6265c46f021c78217a324ab/data/hiv.csv.gz", "sha256": "0a4a7390d6f22035c293e8e0d500655d76233b35f0f68ab128f3ceccdd97a297", "bytes": 415719, "role": "data", "derived": false}]},
 {"name": "davis", "aliases": [], "family": "deepdta", "description": "Davis kinase binding: 68 drugs x 442 kinases = 30,056 pairs, Kd (nM) and pKd = -log10(Kd/1e9); long-format pairs with DeepDTA setting-1 folds (0-4 train, 'test'); SMILES in ligands_can.txt (JSON id->SMILES), sequences in proteins.txt (JSON id->sequence)", "format": "csv.gz", "smiles_column": "", "id_column": "pair_index", "sequence_column": "", "target_columns": ["pKd"], "pair_columns": ["drug_id", "protein_id"], "split_column": "fold", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "mse", "extra_metrics": ["ci", "rm2"], "licence": "DeepDTA repository (no licence file); cite Öztürk et al., Bioinformatics 2018, 34, i821 and Davis et al., Nat. Biotechnol. 2011, 29, 1046", "files": [
    {"path": "dta/deepdta/davis_pairs_setting1.csv.gz", "url": "https://github.com/hkmztrk/DeepDTA/tree/master/data/davis", "sha256": "fd70dda3d803326f8b41eb12d0ad4e558cf97287cc77dcadcade667aa031d8f2", "bytes": 306589, "role": "pairs", "derived": true},
    {"path": "dta/deepdta/davis/ligands_can.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/davis/ligands_can.txt", "sha256": "141094d99510a52091d2ea1b05be7c1f66b2c5fcaeeeb261eaf4cbf2128bde6d", "bytes": 5306, "role": "ligands", "derived": false},
    {"path": "dta/deepdta/davis/proteins.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/davis/proteins.txt", "sha256": "187cedeee10cd3b58af915a2861a5ed0c4ff42a2d728f4dea5e0b47e3d75b291", "bytes": 355211, "role": "proteins", "derived": false},
    {"path": "dta/deepdta/davis/folds/train_fold_setting1.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/davis/folds/train_fold_setting1.txt", "sha256": "bb7a63b2178c40a4e2417bc701b95511407787fa5eabb6a43a695fe6bd722f56", "bytes": 166040, "role": "train_folds", "derived": false},
    {"path": "dta/deepdta/davis/folds/test_fold_setting1.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/davis/folds/test_fold_setting1.txt", "sha256": "c97589fa2fae318b01870854af0ab6fdd155dd38524cc6ac1d0319418ac6d568", "bytes": 33252, "role": "test_fold", "derived": false},
    {"path": "dta/deepdta/davis/drug-target_interaction_affinities_Kd__Davis_et_al.2011v1.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/davis/drug-target_interaction_affinities_Kd__Davis_et_al.2011v1.txt", "sha256": "e2c3d003d49aff61f70be24feafd8d084b0df9404d919338088855828e252d88", "bytes": 164306, "role": "affinity_matrix", "derived": false}]},
 {"name": "kiba", "aliases": [], "family": "deepdta", "description": "KIBA kinase inhibitor bioactivity: 2,111 drugs x 229 kinases, 118,254 KIBA scores; long-format pairs with DeepDTA setting-1 folds (0-4 train, 'test'); SMILES in ligands_can.txt, sequences in proteins.txt (JSON)", "format": "csv.gz", "smiles_column": "", "id_column": "pair_index", "sequence_column": "", "target_columns": ["kiba_score"], "pair_columns": ["drug_id", "protein_id"], "split_column": "fold", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "mse", "extra_metrics": ["ci", "rm2"], "licence": "DeepDTA repository (no licence file); cite Öztürk et al., Bioinformatics 2018, 34, i821 and Tang et al., J. Chem. Inf. Model. 2014, 54, 735", "files": [
    {"path": "dta/deepdta/kiba_pairs_setting1.csv.gz", "url": "https://github.com/hkmztrk/DeepDTA/tree/master/data/kiba", "sha256": "e729c16b03679e08415cd0ce7e2c1ce19020a88ac3c64148cf889c2f2212b724", "bytes": 1180884, "role": "pairs", "derived": true},
    {"path": "dta/deepdta/kiba/ligands_can.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/kiba/ligands_can.txt", "sha256": "a95797abaf31b17bd2471dbf3e3476f588d5a79797903cc156528f66e55c963b", "bytes": 165908, "role": "ligands", "derived": false},
    {"path": "dta/deepdta/kiba/proteins.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/kiba/proteins.txt", "sha256": "2ba9dbc2959d88b0740aaf28828c4c611c2dbd1c2019547eb2ec1c3daa192604", "bytes": 170137, "role": "proteins", "derived": false},
    {"path": "dta/deepdta/kiba/folds/train_fold_setting1.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/kiba/folds/train_fold_setting1.txt", "sha256": "da74eeeb2c3e7d52a2fd6daac0dc105bba097c222337230eec69d9fd7e1c301e", "bytes": 695885, "role": "train_folds", "derived": false},
    {"path": "dta/deepdta/kiba/folds/test_fold_setting1.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/kiba/folds/test_fold_setting1.txt", "sha256": "92801eec2caddf950235c6c6a46d999d2eeeaa6d35cbeffd68c72a5cf54b208d", "bytes": 139047, "role": "test_fold", "derived": false},
    {"path": "dta/deepdta/kiba/kiba_binding_affinity_v2.txt", "url": "https://raw.githubusercontent.com/hkmztrk/DeepDTA/master/data/kiba/kiba_binding_affinity_v2.txt", "sha256": "0b062d3f51e80b63acda95bcc6364cacafa744d1dcd2d97293ccc878540b5732", "bytes": 2864308, "role": "affinity_matrix", "derived": false}]},
 {"name": "moses", "aliases": ["moses-subsets"], "family": "moses", "description": "MOSES benchmark (ZINC clean leads): 10k train, 10k test and 10k scaffold-test molecules (the reference subsets shipped in the MOSES repository under data/zinc/)", "format": "csv", "smiles_column": "SMILES", "id_column": "", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "SPLIT", "task": "generation", "standard_split": "predefined", "split_sizes": null, "metric": "validity", "extra_metrics": ["unique@10k", "novelty", "intdiv", "snn", "frag", "scaf", "filters"], "licence": "MOSES (MIT); cite Polykovskiy et al., Front. Pharmacol. 2020, 11, 565644", "files": [
    {"path": "generation/moses_subsets/train10k.csv", "url": "https://raw.githubusercontent.com/molecularsets/moses/8a019822a314b224b80468b9b91488a229f01927/data/zinc/train10k.csv", "sha256": "af86f91f45a24918cd34338c0823030988ae4fee1b0834894f219dffe9bec8a6", "bytes": 428081, "role": "train", "derived": false},
    {"path": "generation/moses_subsets/test.csv", "url": "https://raw.githubusercontent.com/molecularsets/moses/be586d4d0058787c39926d445b2e9d589fe83e34/data/zinc/test.csv", "sha256": "89e6a0bcee180392f704dc3ee71e88e3ced9cf7b6fc957dc76b234dfac4a4f3e", "bytes": 418923, "role": "test", "derived": false},
    {"path": "generation/moses_subsets/test_scaffolds.csv", "url": "https://raw.githubusercontent.com/molecularsets/moses/be586d4d0058787c39926d445b2e9d589fe83e34/data/zinc/test_scaffolds.csv", "sha256": "516cec1e5fe0f62c7cb40d7a22857cbeea24ce0108a8fd2ad35237ff904f44e4", "bytes": 521164, "role": "test_scaffolds", "derived": false}]},
 {"name": "chembl31", "aliases": ["chembl31-s4"], "family": "chembl", "description": "ChEMBL 31 canonical SMILES, disjoint 50k-molecule train/valid/test subsets for SMILES language models (valid/test: gzip of Chem-xLSTM's data/chemblv31 split; train: a 50k subset of the S4 training set)", "format": "smi.gz", "smiles_column": "#1", "id_column": "", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "generation", "standard_split": "predefined", "split_sizes": null, "metric": "validity", "extra_metrics": ["uniqueness", "novelty", "fcd"], "licence": "Chem-xLSTM repository (Apache-2.0), ChEMBL data CC BY-SA 3.0; cite Özçelik et al., Chemical Language Modeling with Structured State Spaces (2024) and ChEMBL (EMBL-EBI)", "files": [
    {"path": "generation/chembl31_s4_subsets/mini_train.smi.gz", "url": "https://github.com/molML/s4-for-de-novo-drug-design", "sha256": "a305abddb72ba946793f729b2f684063420839253cf80fd17863d0d6d8d3c09a", "bytes": 670945, "role": "train", "derived": true},
    {"path": "generation/chembl31_s4_subsets/valid.smi.gz", "url": "https://github.com/ml-jku/Chem-xLSTM/raw/a54fcfafa737d87f6161b90a064b7a8f28bcce96/data/chemblv31/valid.zip", "sha256": "6b6ec355ed9b220f0c530e4b356fc1702cc31834df482b25b49eec3252447aa8", "bytes": 670378, "role": "valid", "derived": true},
    {"path": "generation/chembl31_s4_subsets/test.smi.gz", "url": "https://github.com/ml-jku/Chem-xLSTM/raw/0434fefba447bc5143dd0c237d0c5f811aa33910/data/chemblv31/test.zip", "sha256": "5f6bf0f9bb779246dcccd8637d9053eebfc7e53f99e8ccae2a55d052983178ce", "bytes": 671859, "role": "test", "derived": true}]},
 {"name": "flip-gb1-sampled", "aliases": [], "family": "flip", "description": "FLIP GB1 fitness landscape (4-site variants of protein G domain B1), split 'sampled': columns sequence, target (fitness), set (train/test), validation (True = held-out part of train)", "format": "csv.gz", "smiles_column": "", "id_column": "", "sequence_column": "sequence", "target_columns": ["target"], "pair_columns": [], "split_column": "set", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "spearman", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0; raw data CC BY 4.0); cite Dallago et al., NeurIPS Datasets & Benchmarks 2021 and Wu et al., eLife 2016, 5, e16965", "files": [
    {"path": "protein/flip/gb1/sampled.csv.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/0a3cf047f63e70c14f7af29e88de256222fe9ee7/splits/gb1/splits.zip", "sha256": "3ff238e40bc8a93f33fdc6dbf967871fd82c70a011f971332ff249bb04a1b4d5", "bytes": 106746, "role": "data", "derived": true}]},
 {"name": "flip-gb1-one-vs-rest", "aliases": [], "family": "flip", "description": "FLIP GB1 fitness landscape (4-site variants of protein G domain B1), split 'one_vs_rest': columns sequence, target (fitness), set (train/test), validation (True = held-out part of train)", "format": "csv.gz", "smiles_column": "", "id_column": "", "sequence_column": "sequence", "target_columns": ["target"], "pair_columns": [], "split_column": "set", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "spearman", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0; raw data CC BY 4.0); cite Dallago et al., NeurIPS Datasets & Benchmarks 2021 and Wu et al., eLife 2016, 5, e16965", "files": [
    {"path": "protein/flip/gb1/one_vs_rest.csv.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/0a3cf047f63e70c14f7af29e88de256222fe9ee7/splits/gb1/splits.zip", "sha256": "4b2669474983b77f9fa1a3a6698ab609ac120af1aab68c8b950166fa82475874", "bytes": 103731, "role": "data", "derived": true}]},
 {"name": "flip-gb1-two-vs-rest", "aliases": [], "family": "flip", "description": "FLIP GB1 fitness landscape (4-site variants of protein G domain B1), split 'two_vs_rest': columns sequence, target (fitness), set (train/test), validation (True = held-out part of train)", "format": "csv.gz", "smiles_column": "", "id_column": "", "sequence_column": "sequence", "target_columns": ["target"], "pair_columns": [], "split_column": "set", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "spearman", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0; raw data CC BY 4.0); cite Dallago et al., NeurIPS Datasets & Benchmarks 2021 and Wu et al., eLife 2016, 5, e16965", "files": [
    {"path": "protein/flip/gb1/two_vs_rest.csv.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/0a3cf047f63e70c14f7af29e88de256222fe9ee7/splits/gb1/splits.zip", "sha256": "2dc57cf266c38f06c3d15f3a5699a54b862ee58cccd40e64e566beb10eab612c", "bytes": 103798, "role": "data", "derived": true}]},
 {"name": "flip-gb1-three-vs-rest", "aliases": [], "family": "flip", "description": "FLIP GB1 fitness landscape (4-site variants of protein G domain B1), split 'three_vs_rest': columns sequence, target (fitness), set (train/test), validation (True = held-out part of train)", "format": "csv.gz", "smiles_column": "", "id_column": "", "sequence_column": "sequence", "target_columns": ["target"], "pair_columns": [], "split_column": "set", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "spearman", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0; raw data CC BY 4.0); cite Dallago et al., NeurIPS Datasets & Benchmarks 2021 and Wu et al., eLife 2016, 5, e16965", "files": [
    {"path": "protein/flip/gb1/three_vs_rest.csv.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/0a3cf047f63e70c14f7af29e88de256222fe9ee7/splits/gb1/splits.zip", "sha256": "4041e74e8ea6d2d0924529e8a6dad5e646464e81d2461885a7e295a2895b7a41", "bytes": 104277, "role": "data", "derived": true}]},
 {"name": "flip-gb1-low-vs-high", "aliases": [], "family": "flip", "description": "FLIP GB1 fitness landscape (4-site variants of protein G domain B1), split 'low_vs_high': columns sequence, target (fitness), set (train/test), validation (True = held-out part of train)", "format": "csv.gz", "smiles_column": "", "id_column": "", "sequence_column": "sequence", "target_columns": ["target"], "pair_columns": [], "split_column": "set", "task": "regression", "standard_split": "predefined", "split_sizes": null, "metric": "spearman", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0; raw data CC BY 4.0); cite Dallago et al., NeurIPS Datasets & Benchmarks 2021 and Wu et al., eLife 2016, 5, e16965", "files": [
    {"path": "protein/flip/gb1/low_vs_high.csv.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/0a3cf047f63e70c14f7af29e88de256222fe9ee7/splits/gb1/splits.zip", "sha256": "c93b2ba69f04d8f57cd9ba11e8ff29740e72610a4aaf56ea778cfdfae3b7f161", "bytes": 106439, "role": "data", "derived": true}]},
 {"name": "flip-secondary-structure", "aliases": ["flip-ss"], "family": "flip", "description": "FLIP 3-state secondary structure (H/E/C per residue), 'sampled' split, 11,156 chains: labels FASTA (header 'ID SET=train|test VALIDATION=True|False'), sequences FASTA, resolved-residue mask FASTA", "format": "fasta.gz", "smiles_column": "", "id_column": "", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "SET", "task": "classification", "standard_split": "predefined", "split_sizes": null, "metric": "accuracy", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0); cite Dallago et al. 2021 and Klausen et al., Proteins 2019, 87, 520", "files": [
    {"path": "protein/flip/secondary_structure/sampled.fasta.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/afea570175d6ce049ca9388f870a6a20c549948f/splits/secondary_structure/splits.zip", "sha256": "00187587db97dd3a8175839fa9bdb8294fb10b3a74f12951e88732186e993cb3", "bytes": 406811, "role": "labels", "derived": true},
    {"path": "protein/flip/secondary_structure/sequences.fasta.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/afea570175d6ce049ca9388f870a6a20c549948f/splits/secondary_structure/splits.zip", "sha256": "a8cd5ecc6b9ef943e9f589f0a8b597308aeed63a49ab908a011fb5e40725c8ca", "bytes": 1747101, "role": "sequences", "derived": true},
    {"path": "protein/flip/secondary_structure/mask.fasta.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/afea570175d6ce049ca9388f870a6a20c549948f/splits/secondary_structure/splits.zip", "sha256": "13ce8d16ff5f0afbbcf49342e5d58af00e5e891fd33d53106a194fc1c83e7cfa", "bytes": 111002, "role": "mask", "derived": true}]},
 {"name": "flip-conservation", "aliases": [], "family": "flip", "description": "FLIP residue conservation classes 1-9 per residue, 'sampled' split, 10,466 chains: labels FASTA (header 'ID SET=train|test VALIDATION=True|False') and sequences FASTA", "format": "fasta.gz", "smiles_column": "", "id_column": "", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "SET", "task": "classification", "standard_split": "predefined", "split_sizes": null, "metric": "accuracy", "extra_metrics": [], "licence": "FLIP splits (AFL-3.0); cite Dallago et al. 2021 and Marquet et al., Hum. Genet. 2021", "files": [
    {"path": "protein/flip/conservation/sampled.fasta.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/42a51d7ac932d5e30ac5fd7e3509d8d2175ff839/splits/conservation/splits.zip", "sha256": "e55ab57cdb268e0e6abd5fad7169bc358c1d4069da5f99afdcc0cadce93f44f5", "bytes": 1269776, "role": "labels", "derived": true},
    {"path": "protein/flip/conservation/sequences.fasta.gz", "url": "https://github.com/J-SNACKKB/FLIP/raw/42a51d7ac932d5e30ac5fd7e3509d8d2175ff839/splits/conservation/splits.zip", "sha256": "5b811d5f71b8653cfccd133feec3177b4f0f77a2154f2d09c181ccd4b92c1b11", "bytes": 1673020, "role": "sequences", "derived": true}]},
 {"name": "dude-ada", "aliases": [], "family": "dude", "description": "DUD-E target ADA: 93 actives and 5450 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/ada/actives_final.ism", "url": "https://dude.docking.org/targets/ada/actives_final.ism", "sha256": "3a78e269f99ecb91ba115f729a52e5fd316874e45f28d350ead2decef044f175", "bytes": 5725, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/ada/decoys_final.ism", "url": "https://dude.docking.org/targets/ada/decoys_final.ism", "sha256": "224dc864dda8c5074344b8c58a10bcd0fd5340226c1686fdb9fceaba139b1c19", "bytes": 303915, "role": "decoys", "derived": false}]},
 {"name": "dude-comt", "aliases": [], "family": "dude", "description": "DUD-E target COMT: 41 actives and 3850 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/comt/actives_final.ism", "url": "https://dude.docking.org/targets/comt/actives_final.ism", "sha256": "14f56d80e1f7ea63e606ef0e795988451ebe2fdd697af20859f9909aebb2ade4", "bytes": 2490, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/comt/decoys_final.ism", "url": "https://dude.docking.org/targets/comt/decoys_final.ism", "sha256": "08c1451d85877c4735bc56e3ae2032f962e697cc599e68dc2aa40dea32d9451f", "bytes": 209761, "role": "decoys", "derived": false}]},
 {"name": "dude-cxcr4", "aliases": [], "family": "dude", "description": "DUD-E target CXCR4: 40 actives and 3406 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/cxcr4/actives_final.ism", "url": "https://dude.docking.org/targets/cxcr4/actives_final.ism", "sha256": "b3ce1aba2a1f0e204d326008b8edd650037695211da8a61d4f3079fcf7830c39", "bytes": 2671, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/cxcr4/decoys_final.ism", "url": "https://dude.docking.org/targets/cxcr4/decoys_final.ism", "sha256": "49a4c072ed6eeaf515a92806c0a3a03b03e9b2fb4070e1fea34b368c75389e4a", "bytes": 225690, "role": "decoys", "derived": false}]},
 {"name": "dude-def", "aliases": [], "family": "dude", "description": "DUD-E target DEF: 102 actives and 5700 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/def/actives_final.ism", "url": "https://dude.docking.org/targets/def/actives_final.ism", "sha256": "e3fbef956e73a00ce92e401f7d4249e5bed3ee345796ecbcd5d0547c1754dcea", "bytes": 7128, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/def/decoys_final.ism", "url": "https://dude.docking.org/targets/def/decoys_final.ism", "sha256": "b68612a8e735b440db0d6652670f05c6f4c250337ffb85d1fdfb2b8079df35cf", "bytes": 340211, "role": "decoys", "derived": false}]},
 {"name": "dude-fabp4", "aliases": [], "family": "dude", "description": "DUD-E target FABP4: 47 actives and 2750 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/fabp4/actives_final.ism", "url": "https://dude.docking.org/targets/fabp4/actives_final.ism", "sha256": "a373362248de97f736d01edc887211bb802df15284e4fc78ae34c4c03709d01a", "bytes": 3141, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/fabp4/decoys_final.ism", "url": "https://dude.docking.org/targets/fabp4/decoys_final.ism", "sha256": "8d3645848ca1aa06585bf1838f457f4343fa284a622369f6f6a6a9332302c077", "bytes": 180816, "role": "decoys", "derived": false}]},
 {"name": "dude-fak1", "aliases": [], "family": "dude", "description": "DUD-E target FAK1: 100 actives and 5350 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/fak1/actives_final.ism", "url": "https://dude.docking.org/targets/fak1/actives_final.ism", "sha256": "adcff81826b4a8a15c000ad468d82c74e6fda68d774af4fc65e1844aeea4851d", "bytes": 7270, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/fak1/decoys_final.ism", "url": "https://dude.docking.org/targets/fak1/decoys_final.ism", "sha256": "9187001a36e7c30f2bafab2e9ef32d8d39696879f8b548e7dbb749cd221db12a", "bytes": 385122, "role": "decoys", "derived": false}]},
 {"name": "dude-glcm", "aliases": [], "family": "dude", "description": "DUD-E target GLCM: 54 actives and 3800 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/glcm/actives_final.ism", "url": "https://dude.docking.org/targets/glcm/actives_final.ism", "sha256": "b7c950f0fab5b0d76baced2fccf0d66183bb2fd5b54488fca8bf23f7d3e835f1", "bytes": 3528, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/glcm/decoys_final.ism", "url": "https://dude.docking.org/targets/glcm/decoys_final.ism", "sha256": "45692ed62f26f2577af763b328dedca6640a9f8d8824c417d129e75bda347e6d", "bytes": 229909, "role": "decoys", "derived": false}]},
 {"name": "dude-grik1", "aliases": [], "family": "dude", "description": "DUD-E target GRIK1: 101 actives and 6550 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/grik1/actives_final.ism", "url": "https://dude.docking.org/targets/grik1/actives_final.ism", "sha256": "78e313970a49e65a2a5ce6537ac46ecdcc7affd10701d06738f65e76bc22e0e9", "bytes": 6533, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/grik1/decoys_final.ism", "url": "https://dude.docking.org/targets/grik1/decoys_final.ism", "sha256": "208cdf6f9838f6efea65f1df8d8cd5f77635a03a34b12bb2d6227e0ea4111bd9", "bytes": 393015, "role": "decoys", "derived": false}]},
 {"name": "dude-hivint", "aliases": [], "family": "dude", "description": "DUD-E target HIVINT: 100 actives and 6650 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/hivint/actives_final.ism", "url": "https://dude.docking.org/targets/hivint/actives_final.ism", "sha256": "fd52b65fae7c57e36637f5dffbbd75b2404c899e84053ced9d99a5e496534fb7", "bytes": 7148, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/hivint/decoys_final.ism", "url": "https://dude.docking.org/targets/hivint/decoys_final.ism", "sha256": "6cce99762ed48409164774bf2ca0d8510489b2e39027421a84fb7522f5030e1f", "bytes": 424758, "role": "decoys", "derived": false}]},
 {"name": "dude-hs90a", "aliases": [], "family": "dude", "description": "DUD-E target HS90A: 88 actives and 4850 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/hs90a/actives_final.ism", "url": "https://dude.docking.org/targets/hs90a/actives_final.ism", "sha256": "9577d8d8d18e068a20237a487ba9e1e68d36dcff61be5acd0a43e90e306c0300", "bytes": 6677, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/hs90a/decoys_final.ism", "url": "https://dude.docking.org/targets/hs90a/decoys_final.ism", "sha256": "ec20bd912799a6ff4dec194293bd56a2b97523a810738bd1b52608ec14632365", "bytes": 339817, "role": "decoys", "derived": false}]},
 {"name": "dude-hxk4", "aliases": [], "family": "dude", "description": "DUD-E target HXK4: 92 actives and 4700 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/hxk4/actives_final.ism", "url": "https://dude.docking.org/targets/hxk4/actives_final.ism", "sha256": "4a1bcd29743645b8063a53dfb24360c0573da53ab9048534653f234da6d8a25e", "bytes": 6447, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/hxk4/decoys_final.ism", "url": "https://dude.docking.org/targets/hxk4/decoys_final.ism", "sha256": "89ac7eeceba461e741a5f2aebf3a912779f97e369b6de4f7b287a441c8533213", "bytes": 319586, "role": "decoys", "derived": false}]},
 {"name": "dude-mapk2", "aliases": [], "family": "dude", "description": "DUD-E target MAPK2: 101 actives and 6150 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/mapk2/actives_final.ism", "url": "https://dude.docking.org/targets/mapk2/actives_final.ism", "sha256": "c0a97856078f248741d3468ab85336601899bf18826f8572c12043fe57a69ae5", "bytes": 7037, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/mapk2/decoys_final.ism", "url": "https://dude.docking.org/targets/mapk2/decoys_final.ism", "sha256": "9c327406d4349cb880ee414e12fccaa71c90f94a2cd038af6e3c06bd73d88908", "bytes": 382151, "role": "decoys", "derived": false}]},
 {"name": "dude-mcr", "aliases": [], "family": "dude", "description": "DUD-E target MCR: 94 actives and 5150 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/mcr/actives_final.ism", "url": "https://dude.docking.org/targets/mcr/actives_final.ism", "sha256": "9f718f7613ac61ff7ac7f583bddee3801b0b3c010d2e6a957167373ee92e9557", "bytes": 7334, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/mcr/decoys_final.ism", "url": "https://dude.docking.org/targets/mcr/decoys_final.ism", "sha256": "af189abf9c953b1b810d0ce482653368d2b8223edd7ad38ac22e42ea73e1e59e", "bytes": 315815, "role": "decoys", "derived": false}]},
 {"name": "dude-nos1", "aliases": [], "family": "dude", "description": "DUD-E target NOS1: 100 actives and 8050 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/nos1/actives_final.ism", "url": "https://dude.docking.org/targets/nos1/actives_final.ism", "sha256": "d0a70b471244a0fb09855e601ace52310a79203bdf35f56aec9aac3b020be065", "bytes": 5456, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/nos1/decoys_final.ism", "url": "https://dude.docking.org/targets/nos1/decoys_final.ism", "sha256": "99706196c9668e21eea67c13dffe0c116bbc342cdb9e7e7c8e4794ba0f6de218", "bytes": 464265, "role": "decoys", "derived": false}]},
 {"name": "dude-nram", "aliases": [], "family": "dude", "description": "DUD-E target NRAM: 98 actives and 6200 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/nram/actives_final.ism", "url": "https://dude.docking.org/targets/nram/actives_final.ism", "sha256": "0e34bf48f5711e7d78bca234f22f90040b825f593b1cd781efc1139ee665fe19", "bytes": 7563, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/nram/decoys_final.ism", "url": "https://dude.docking.org/targets/nram/decoys_final.ism", "sha256": "ba2f07e3702372ef8e75ca3d8e35b741f3e6a6104455754b45aa59a788a9d2fc", "bytes": 367305, "role": "decoys", "derived": false}]},
 {"name": "dude-pa2ga", "aliases": [], "family": "dude", "description": "DUD-E target PA2GA: 99 actives and 5150 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/pa2ga/actives_final.ism", "url": "https://dude.docking.org/targets/pa2ga/actives_final.ism", "sha256": "c213f569639b1c200054266d4732c86266c102f24f934ba65f3aad3a80edfaa1", "bytes": 7389, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/pa2ga/decoys_final.ism", "url": "https://dude.docking.org/targets/pa2ga/decoys_final.ism", "sha256": "9756a7ae04914a1222d9130aa05ca951e638322f243d520031709f539559bc94", "bytes": 359233, "role": "decoys", "derived": false}]},
 {"name": "dude-pur2", "aliases": [], "family": "dude", "description": "DUD-E target PUR2: 50 actives and 2700 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/pur2/actives_final.ism", "url": "https://dude.docking.org/targets/pur2/actives_final.ism", "sha256": "1c795bd54d10842921fc94d72b9f02d1fc2a4f70642e7f68fdbbd5f16d39a076", "bytes": 4137, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/pur2/decoys_final.ism", "url": "https://dude.docking.org/targets/pur2/decoys_final.ism", "sha256": "b69f64bdf3aec91d1b737262dd164ccb94b64a9a10b37c534ffc2e22d85abc95", "bytes": 208550, "role": "decoys", "derived": false}]},
 {"name": "dude-pygm", "aliases": [], "family": "dude", "description": "DUD-E target PYGM: 77 actives and 3950 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/pygm/actives_final.ism", "url": "https://dude.docking.org/targets/pygm/actives_final.ism", "sha256": "6f8bac817bb28d034ad7002dc59b7d84bbb48d293f2c286014c48634b2485302", "bytes": 5786, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/pygm/decoys_final.ism", "url": "https://dude.docking.org/targets/pygm/decoys_final.ism", "sha256": "f162e785229d9483d6492af10c7e79ec7ac959822ba74813b10b7a7b76df03ee", "bytes": 271512, "role": "decoys", "derived": false}]},
 {"name": "dude-rock1", "aliases": [], "family": "dude", "description": "DUD-E target ROCK1: 100 actives and 6300 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/rock1/actives_final.ism", "url": "https://dude.docking.org/targets/rock1/actives_final.ism", "sha256": "a2bc0511e6b05f2ec59c3317abbbc5d8c0dbd311d2cea29d95ca7383f3f6306d", "bytes": 6433, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/rock1/decoys_final.ism", "url": "https://dude.docking.org/targets/rock1/decoys_final.ism", "sha256": "59ae1daf92ffe6ebda683aed57fbacd91221db0731055219ca5c7091ee0f6e28", "bytes": 397528, "role": "decoys", "derived": false}]},
 {"name": "dude-sahh", "aliases": [], "family": "dude", "description": "DUD-E target SAHH: 63 actives and 3450 property-matched decoys (whitespace-separated 'SMILES id...' lines; label = which file)", "format": "ism", "smiles_column": "#1", "id_column": "#2", "sequence_column": "", "target_columns": [], "pair_columns": [], "split_column": "", "task": "classification", "standard_split": "none", "split_sizes": null, "metric": "roc_auc", "extra_metrics": ["ef1", "bedroc20"], "licence": "DUD-E, freely distributed (dude.docking.org); cite Mysinger et al., J. Med. Chem. 2012, 55, 6582", "files": [
    {"path": "virtual_screening/dude_20targets/sahh/actives_final.ism", "url": "https://dude.docking.org/targets/sahh/actives_final.ism", "sha256": "99baa15d76c23d14abb4e31dc6061de03aad889a235c10fbf349589df6c86875", "bytes": 4039, "role": "actives", "derived": false},
    {"path": "virtual_screening/dude_20targets/sahh/decoys_final.ism", "url": "https://dude.docking.org/targets/sahh/decoys_final.ism", "sha256": "16188f31d2da0b2a881896458143f3d5be50eb5ccc232e731fb084688809d316", "bytes": 179752, "role": "decoys", "derived": false}]}
]
)json";

TaskType parse_task(const std::string& s) {
  if (s == "regression") return TaskType::regression;
  if (s == "classification") return TaskType::classification;
  if (s == "generation") return TaskType::generation;
  HITFORGE_CHECK(false, "registry: unknown task '", s, "'");
  return TaskType::regression;
}

std::string normalise_name(std::string_view s) {
  std::string out;
  for (char ch : s) out += ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::vector<DatasetInfo> parse_table() {
  const auto table = nlohmann::json::parse(kRegistryJson);
  std::vector<DatasetInfo> out;
  for (const auto& e : table) {
    DatasetInfo d;
    d.name = e.at("name").get<std::string>();
    d.aliases = e.at("aliases").get<std::vector<std::string>>();
    d.family = e.at("family").get<std::string>();
    d.description = e.at("description").get<std::string>();
    d.format = e.at("format").get<std::string>();
    d.smiles_column = e.at("smiles_column").get<std::string>();
    d.id_column = e.at("id_column").get<std::string>();
    d.sequence_column = e.at("sequence_column").get<std::string>();
    d.target_columns = e.at("target_columns").get<std::vector<std::string>>();
    d.pair_columns = e.at("pair_columns").get<std::vector<std::string>>();
    d.split_column = e.at("split_column").get<std::string>();
    d.task = parse_task(e.at("task").get<std::string>());
    d.standard_split = e.at("standard_split").get<std::string>();
    if (!e.at("split_sizes").is_null()) {
      auto s = e.at("split_sizes").get<std::vector<double>>();
      HITFORGE_CHECK(s.size() == 3, "registry: ", d.name, " split_sizes needs 3 values");
      d.split_sizes = SplitSizes{s[0], s[1], s[2]};
    }
    d.metric = e.at("metric").get<std::string>();
    d.extra_metrics = e.at("extra_metrics").get<std::vector<std::string>>();
    d.licence = e.at("licence").get<std::string>();
    for (const auto& f : e.at("files")) {
      DatasetFile file;
      file.path = f.at("path").get<std::string>();
      file.url = f.at("url").get<std::string>();
      file.sha256 = f.at("sha256").get<std::string>();
      file.size_bytes = f.at("bytes").get<std::int64_t>();
      file.role = f.at("role").get<std::string>();
      file.derived = f.at("derived").get<bool>();
      d.files.push_back(std::move(file));
    }
    out.push_back(std::move(d));
  }
  return out;
}

// The table is code: a malformed entry is a bug, reported as InternalError on first use (and by the tests).
void validate_table(const std::vector<DatasetInfo>& table) {
  std::vector<std::string> seen;
  for (const auto& d : table) {
    HITFORGE_CHECK(!d.name.empty(), "registry: entry without a name");
    HITFORGE_CHECK(!d.files.empty(), "registry: ", d.name, " has no files");
    HITFORGE_CHECK(!d.metric.empty() && !d.licence.empty() && !d.description.empty(), "registry: ", d.name,
                   " lacks metric, licence or description");
    const bool method_split = d.standard_split != "predefined" && d.standard_split != "none";
    if (method_split) parse_split_method(d.standard_split);
    HITFORGE_CHECK(method_split == d.split_sizes.has_value(), "registry: ", d.name,
                   " needs split sizes exactly when its standard split is a method");
    if (d.split_sizes) d.split_sizes->validate();
    for (const auto& f : d.files) {
      HITFORGE_CHECK(core::is_sha256_hex(f.sha256), "registry: ", d.name, " ", f.path, " has a malformed sha256");
      HITFORGE_CHECK(f.url.rfind("https://", 0) == 0, "registry: ", d.name, " ", f.path, " needs an https URL");
      HITFORGE_CHECK(!f.path.empty() && f.path.front() != '/' && f.path.find("..") == std::string::npos,
                     "registry: ", d.name, " file path '", f.path, "' must be relative");
    }
    std::vector<std::string> names = d.aliases;
    names.push_back(d.name);
    for (const auto& n : names) {
      HITFORGE_CHECK(n == normalise_name(n), "registry: name '", n, "' must be lowercase with '-'");
      HITFORGE_CHECK(std::find(seen.begin(), seen.end(), n) == seen.end(), "registry: duplicate name ", n);
      seen.push_back(n);
    }
  }
}

bool is_directory(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::string absolute_path(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  return (ec ? fs::path(p) : abs).lexically_normal().string();
}

// PATH lookup done before fork(), so the child only calls async-signal-safe functions.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

std::string curl_failure_hint(int code) {
  switch (code) {
    case 6: return "could not resolve the host — is this machine offline?";
    case 7: return "could not connect — is this machine offline or behind a proxy?";
    case 22: return "the server answered with an HTTP error (the file may have moved)";
    case 23: return "could not write the temporary file — is the data directory writable?";
    case 28: return "the transfer timed out";
    case 35:
    case 60: return "TLS/certificate failure";
    case 37: return "could not read the file:// source";
    default: return "see curl's message above";
  }
}

// Runs `curl -fL ... -o dest url` without a shell. Throws UsageError on any failure.
void curl_download(const std::string& url, const std::string& dest) {
  const std::string curl = find_program("curl");
  if (curl.empty())
    throw UsageError(str_cat("cannot download ", url, ": curl was not found on PATH; install curl or download the file "
                             "by hand to ", dest));
  std::vector<std::string> args = {curl, "-fL", "--silent", "--show-error", "--retry", "2", "--connect-timeout", "30",
                                   "-o", dest, "--", url};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw UsageError(str_cat("cannot start curl: ", std::strerror(errno)));
  if (pid == 0) {
    ::execve(argv[0], argv.data(), environ);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw UsageError(str_cat("waiting for curl failed: ", std::strerror(errno)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    throw UsageError(str_cat("download of ", url, " failed (curl exit code ", code, ": ", curl_failure_hint(code),
                             "). Without internet, copy the file to ", dest.substr(0, dest.rfind('/') + 1),
                             " by hand or point --data-dir / ", kDataDirEnv, " at a mirror"));
  }
  throw UsageError(str_cat("download of ", url, " failed: curl was killed by signal ",
                           WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

}  // namespace

std::string task_type_name(TaskType task) {
  switch (task) {
    case TaskType::regression: return "regression";
    case TaskType::classification: return "classification";
    case TaskType::generation: return "generation";
  }
  return "unknown";
}

const DatasetFile& DatasetInfo::file(std::string_view role) const {
  for (const auto& f : files)
    if (f.role == role) return f;
  std::string roles;
  for (const auto& f : files) roles += (roles.empty() ? "" : ", ") + f.role;
  throw UsageError(str_cat("dataset ", name, " has no file with role '", role, "' (roles: ", roles, ")"));
}

const std::vector<DatasetInfo>& all_datasets() {
  static const std::vector<DatasetInfo> table = [] {
    auto t = parse_table();
    validate_table(t);
    return t;
  }();
  return table;
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const auto& d : all_datasets()) names.push_back(d.name);
  return names;
}

const DatasetInfo& find_dataset(std::string_view name) {
  const std::string key = normalise_name(name);
  for (const auto& d : all_datasets()) {
    if (d.name == key) return d;
    for (const auto& a : d.aliases)
      if (a == key) return d;
  }
  std::string list;
  for (const auto& n : dataset_names()) list += (list.empty() ? "" : ", ") + n;
  throw UsageError(str_cat("unknown dataset '", name, "'; known datasets: ", list));
}

std::string resolve_data_dir(const std::string& flag_value) {
  if (!flag_value.empty()) {
    if (!is_directory(flag_value))
      throw UsageError(str_cat("data directory '", flag_value, "' (from --data-dir) does not exist"));
    return absolute_path(flag_value);
  }
  const char* env = std::getenv(kDataDirEnv);
  if (env && *env) {
    if (!is_directory(env))
      throw UsageError(str_cat("data directory '", env, "' (from ", kDataDirEnv, ") does not exist"));
    return absolute_path(env);
  }
  std::vector<std::string> tried = {"./../shared/data"};
#ifdef HITFORGE_SOURCE_DIR
  tried.push_back(std::string(HITFORGE_SOURCE_DIR) + "/../shared/data");
#endif
  for (const auto& candidate : tried)
    if (is_directory(candidate)) return absolute_path(candidate);
  std::string looked;
  for (const auto& t : tried) looked += (looked.empty() ? "" : ", ") + absolute_path(t);
  throw UsageError(str_cat("no data directory found (looked in ", looked, "); pass --data-dir DIR or set ",
                           kDataDirEnv, "=DIR (a directory laid out like the public-dataset mirror, e.g. "
                           "DIR/moleculenet/delaney.csv)"));
}

void verify_sha256(const std::string& path, const std::string& expected_sha256) {
  std::string expected = expected_sha256;
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string actual = core::sha256_file(path);
  if (actual != expected)
    throw UsageError(str_cat("checksum mismatch for '", path, "': expected sha256 ", expected, ", got ", actual,
                             " (the file is corrupt or a different version; delete it and fetch it again)"));
}

std::string resolve_file(const DatasetFile& file, const std::string& data_dir, bool verify_checksum,
                         bool allow_download) {
  const std::string path = (fs::path(data_dir) / file.path).lexically_normal().string();
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_regular_file(path, ec)) throw UsageError(str_cat("'", path, "' exists but is not a regular file"));
    if (verify_checksum) verify_sha256(path, file.sha256);
    return path;
  }
  if (file.derived)
    throw UsageError(str_cat("'", path, "' is missing. It is a re-packaged copy of ", file.url,
                             " made for the hitforge data mirror, so it cannot be downloaded as is; point --data-dir / ",
                             kDataDirEnv, " at a copy of the mirror"));
  if (!allow_download)
    throw UsageError(str_cat("'", path, "' is missing; allow downloading (e.g. --download) to fetch it from ", file.url,
                             ", or point --data-dir / ", kDataDirEnv, " at a directory that has it"));
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec)
    throw UsageError(str_cat("cannot create the directory for '", path, "': ", ec.message(),
                             " (is the data directory writable?)"));
  core::log_info(str_cat("downloading ", file.url, " -> ", path));
  core::AtomicFile out(path);  // temp file next to the destination; removed unless committed
  curl_download(file.url, out.temp_path());
  const std::string actual = core::sha256_file(out.temp_path());
  if (actual != file.sha256)
    throw UsageError(str_cat("the file downloaded from ", file.url, " does not match the registry: expected sha256 ",
                             file.sha256, ", got ", actual, " (upstream changed or the transfer was corrupted); '",
                             path, "' was not written"));
  out.commit();
  return path;
}

std::string resolve_dataset_file(const DatasetInfo& info, const std::string& data_dir, bool verify_checksum,
                                 bool allow_download) {
  HITFORGE_CHECK(!info.files.empty(), "dataset ", info.name, " has no files");
  return resolve_file(info.primary(), data_dir, verify_checksum, allow_download);
}

}  // namespace hitforge::data
