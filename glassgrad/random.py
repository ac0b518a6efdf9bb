"""Random numbers: a `Generator` every random function accepts, and `manual_seed` for the
default one. State is explicit: pass `generator=` to make a function's draws independent of
everything else; leave it out to use the default generator.
"""
import numpy as np


class Generator:
    """A source of random numbers (numpy's PCG64 underneath), like torch.Generator."""

    def __init__(self, seed=None):
        self._seed = seed
        self.rng = np.random.default_rng(seed)

    def manual_seed(self, seed):
        """Restart the stream from `seed`; returns the generator, as torch does."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as a JSON-friendly dict (for checkpoints)."""
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self


default_generator = Generator(0)


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system's entropy; returns the seed."""
    value = int(np.random.SeedSequence().entropy % (2 ** 63))
    default_generator.manual_seed(value)
    return value


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _generator(generator=None):
    """The numpy Generator behind `generator` (or behind the default one)."""
    return (generator or default_generator).rng
