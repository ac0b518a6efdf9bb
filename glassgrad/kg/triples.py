"""Triples (head, relation, tail) as integer arrays, with the label <-> id maps beside them.

A knowledge graph is a set of facts (h, r, t): "tail t stands in relation r to head h". For
training and evaluation they are an (n, 3) int64 array of ids; `TriplesFactory` keeps the maps
from labels to ids (sorted labels, as PyKEEN's TriplesFactory numbers them, so ids agree), and
reads tab-separated files with errors that name the file and the line.
"""
import gzip
from dataclasses import dataclass

import numpy as np


def read_triples_file(path, delimiter="\t"):
    """The (head, relation, tail) label rows of a TSV file (gzip if the name ends in .gz).

    Blank lines and lines starting with '#' are skipped. A line without exactly three fields is
    an error naming the file and the line number.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    rows = []
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\n").rstrip("\r")
                if not line.strip() or line.startswith("#"):
                    continue
                fields = line.split(delimiter)
                if len(fields) != 3:
                    raise ValueError(f"{path}, line {number}: expected 3 tab-separated fields "
                                     f"(head, relation, tail), got {len(fields)}: {line[:80]!r}")
                rows.append(tuple(f.strip() for f in fields))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a UTF-8 text file of triples ({error})") from None
    except gzip.BadGzipFile as error:
        raise ValueError(f"{path}: not a gzip file ({error})") from None
    return rows


@dataclass
class TriplesFactory:
    """Triples as ids plus the label maps: `mapped` is (n, 3) int64 (head, relation, tail).

    Build one from label triples with `from_labeled`; map more triples (valid/test) with the
    same ids through `map_labeled`, which names any unknown entity or relation.
    """
    mapped: np.ndarray
    entity_to_id: dict
    relation_to_id: dict

    @classmethod
    def from_labeled(cls, rows, entity_to_id=None, relation_to_id=None, source="triples"):
        rows = list(rows)
        if not rows and relation_to_id is None:
            raise ValueError(f"{source}: no triples, so no relations; a knowledge graph needs "
                             "at least one (head, relation, tail)")
        if entity_to_id is None:
            entities = sorted({h for h, _, _ in rows} | {t for _, _, t in rows})
            entity_to_id = {label: i for i, label in enumerate(entities)}
        if relation_to_id is None:
            relation_to_id = {label: i for i, label in enumerate(sorted({r for _, r, _ in rows}))}
        factory = cls(np.zeros((0, 3), dtype=np.int64), entity_to_id, relation_to_id)
        factory.mapped = factory.map_labeled(rows, source)
        return factory

    def map_labeled(self, rows, source="triples"):
        """Label triples -> (n, 3) ids with this factory's maps; unknown labels are an error."""
        out = np.empty((len(rows), 3), dtype=np.int64)
        for i, (h, r, t) in enumerate(rows):
            for column, (label, table, kind) in enumerate(
                    ((h, self.entity_to_id, "entity"), (r, self.relation_to_id, "relation"),
                     (t, self.entity_to_id, "entity"))):
                if label not in table:
                    raise ValueError(f"{source}, triple {i + 1} ({h}, {r}, {t}): unknown {kind} "
                                     f"{label!r}; it does not occur in the training triples")
                out[i, column] = table[label]
        return out

    @property
    def num_entities(self):
        return len(self.entity_to_id)

    @property
    def num_relations(self):
        return len(self.relation_to_id)

    @property
    def num_triples(self):
        return len(self.mapped)

    def entity_labels(self):
        labels = [None] * self.num_entities
        for label, i in self.entity_to_id.items():
            labels[i] = label
        return labels

    def relation_labels(self):
        labels = [None] * self.num_relations
        for label, i in self.relation_to_id.items():
            labels[i] = label
        return labels


def check_triples(triples, num_entities, num_relations, name="triples"):
    """`triples` as an (n, 3) int64 array whose ids fit the model's tables, or a clear error."""
    triples = np.asarray(triples)
    if triples.ndim != 2 or triples.shape[1] != 3:
        raise ValueError(f"{name}: expected an (n, 3) array of (head, relation, tail) ids, got "
                         f"shape {triples.shape}")
    if triples.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected integer ids, got dtype {triples.dtype}")
    triples = triples.astype(np.int64)
    for column, limit, kind in ((0, num_entities, "head entity"), (1, num_relations, "relation"),
                                (2, num_entities, "tail entity")):
        values = triples[:, column]
        bad = np.flatnonzero((values < 0) | (values >= limit))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}: triple {i} {tuple(int(v) for v in triples[i])} has "
                             f"{kind} id {int(values[i])}, outside [0, {limit}) ({bad.size} such "
                             "triples)")
    return triples


def add_inverse_triples(triples, num_relations):
    """triples plus (t, r + R, h) for each (h, r, t): the inverse-relation augmentation.

    With inverses, predicting a head of (?, r, t) becomes predicting a tail of (t, r⁻¹, ?), so
    one scoring direction serves both (Lacroix et al. 2018; Dettmers et al. 2018).
    """
    inverse = np.stack([triples[:, 2], triples[:, 1] + num_relations, triples[:, 0]], axis=1)
    return np.concatenate([triples, inverse], axis=0)


__all__ = ["TriplesFactory", "add_inverse_triples", "check_triples", "read_triples_file"]
