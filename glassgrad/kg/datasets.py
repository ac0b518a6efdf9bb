"""Nations, Kinships and UMLS: the three small benchmark knowledge graphs, shipped inside glassgrad.

The train/valid/test splits are those of the Neural Theorem Prover authors (Rocktäschel &
Riedel 2017), as the `pykeen` wheel ships them (pykeen/datasets/{nations,kinships,umls}/), kept
here gzip-compressed in glassgrad/kg/data/ so that no download and no pykeen is needed.

- Kinships: kin terms among 104 members of the Alyawarra tribe, 25 relations (Denham 1973;
  Kemp et al., "Learning systems of concepts with an infinite relational model", AAAI 2006).
- Nations: 14 countries, 55 relations of diplomacy and trade (Rummel 1950-1965, in Kemp et al.
  2006).
- UMLS: 135 medical concepts, 46 relations of the Unified Medical Language System semantic
  network (McCray 2003, in Kemp et al. 2006).
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .triples import TriplesFactory, read_triples_file

DATA = Path(__file__).resolve().parent / "data"
DATASETS = ("nations", "kinships", "umls")
CITATIONS = {
    "kinships": "Denham 1973; Kemp et al., AAAI 2006 (splits: Rocktäschel & Riedel 2017)",
    "nations": "Rummel 1950-1965; Kemp et al., AAAI 2006 (splits: Rocktäschel & Riedel 2017)",
    "umls": "McCray 2003; Kemp et al., AAAI 2006 (splits: Rocktäschel & Riedel 2017)",
}


@dataclass
class KGDataset:
    """A knowledge graph split three ways; ids from the training triples (sorted labels)."""
    name: str
    training: TriplesFactory
    validation: np.ndarray
    testing: np.ndarray

    @property
    def num_entities(self):
        return self.training.num_entities

    @property
    def num_relations(self):
        return self.training.num_relations

    def all_triples(self):
        """train, valid and test together: what the filtered evaluation removes."""
        return np.concatenate([self.training.mapped, self.validation, self.testing])

    def __repr__(self):
        return (f"KGDataset({self.name}: {self.num_entities} entities, {self.num_relations} "
                f"relations, {len(self.training.mapped)}/{len(self.validation)}/"
                f"{len(self.testing)} train/valid/test triples)")


def from_files(train, valid, test, name=None):
    """A KGDataset from three TSV files of (head, relation, tail) labels."""
    training = TriplesFactory.from_labeled(read_triples_file(train), source=str(train))
    validation = training.map_labeled(read_triples_file(valid), source=str(valid))
    testing = training.map_labeled(read_triples_file(test), source=str(test))
    return KGDataset(name or Path(train).parent.name, training, validation, testing)


def load_dataset(name):
    """'nations', 'kinships' or 'umls' from the copy inside glassgrad."""
    key = str(name).lower()
    if key not in DATASETS:
        raise ValueError(f"load_dataset: unknown knowledge graph {name!r}; expected one of "
                         f"{', '.join(DATASETS)}")
    return from_files(*(DATA / f"{key}-{split}.txt.gz" for split in ("train", "valid", "test")),
                      name=key)


def nations():
    return load_dataset("nations")


def kinships():
    return load_dataset("kinships")


def umls():
    return load_dataset("umls")


__all__ = ["CITATIONS", "DATASETS", "KGDataset", "from_files", "kinships", "load_dataset",
           "nations", "umls"]
