"""Writes the training corpus of the tiny model (docs/trainer-contract.md, "The corpus").

Deterministic: a fixed seed and Python's own random module, so running it again writes the same bytes.
The committed files are what trainers read; this script says where they came from. Sentences come from a
small grammar over lowercase letters, space and . , ' so every character has a token. Each shard draws
its subjects from a different half of the grammar's nouns, so two contributors see different data and
their adapters differ, while the held-out file draws from both.
"""
import random

SUBJECTS = ["the cat", "a dog", "my friend", "the old man", "a little bird", "the farmer",
            "her brother", "the teacher", "a tired horse", "the baker", "our neighbour", "the child"]
VERBS = ["sees", "likes", "finds", "follows", "watches", "helps", "calls", "carries", "knows", "meets"]
OBJECTS = ["the river", "a red apple", "the small house", "a warm coat", "the green field",
           "an old book", "the quiet road", "a bright lamp", "the wooden box", "a long letter"]
ENDINGS = [".", " today.", " again.", " at night.", " in the morning.", ", and smiles.", ", doesn't it."]


def sentence(rng, subjects):
    return rng.choice(subjects) + " " + rng.choice(VERBS) + " " + rng.choice(OBJECTS) + rng.choice(ENDINGS)


def write(name, rng, subjects, lines):
    with open(name, "w", encoding="ascii", newline="\n") as out:
        for _ in range(lines):
            out.write(sentence(rng, subjects) + "\n")


if __name__ == "__main__":
    rng = random.Random(20261201)
    half = len(SUBJECTS) // 2
    write("shard-0.txt", rng, SUBJECTS[:half], 600)
    write("shard-1.txt", rng, SUBJECTS[half:], 600)
    write("held-out.txt", rng, SUBJECTS, 300)
