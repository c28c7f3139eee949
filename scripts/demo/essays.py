"""Demo essays of known, graded quality for the offline demo and the end-to-end test.

Real student essays cannot ship with the repository (personal data), so the demo writes its own:
argumentative essays on one prompt, where a hidden quality level (0 = weakest, 1 = strongest) sets
the features a judge reads: length, paragraphing, vocabulary, sentence variety and the spelling
error rate. The texts are deterministic for a given seed (``random.Random``), so the demo's ranking
is reproducible, and the true order is known, so a demo run can print how well it was recovered.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

STUDENT_PROMPT = (
    "Should mobile phones be banned in schools? Write an argumentative essay for your school magazine. "
    "Take a position, support it with reasons and examples, and answer at least one counter-argument."
)
INSTRUCTIONS = (
    "You are an experienced English teacher grading the Swedish national test in English 5. Decide which "
    "essay is the better answer to the task: consider how clear and well supported the argument is, the "
    "structure and paragraphing, the range and accuracy of the language, and the spelling."
)
RUBRIC = (
    "A: a nuanced, well-structured argument with varied, precise language and very few errors. "
    "C: a clear argument with some support, mostly correct language. "
    "E: a simple argument that can be followed, with limited language and frequent errors. "
    "F: does not answer the task, or is too short or unclear to follow."
)

_SIMPLE = [
    "I think phones is bad in school.",
    "Phones are fun but they take time.",
    "Many students use the phone in class.",
    "The teacher get angry when we use phones.",
    "I like my phone very much.",
    "We can play games on the phone.",
    "It is hard to stop use the phone.",
    "Some students need phones for there parents.",
    "Phones is good for music.",
    "I dont think they should ban it.",
]
_PLAIN = [
    "Mobile phones are a big part of our lives, and most students bring one to school every day.",
    "When students use their phones in class, they often stop listening to the teacher.",
    "On the other hand, phones can be useful when we need to look something up quickly.",
    "Many parents want their children to have a phone in case something happens.",
    "Some students use social media during breaks instead of talking to their friends.",
    "A ban would make it easier for teachers to keep students focused on the lesson.",
    "However, it would be difficult for the school to check that everyone follows the rule.",
    "In my opinion, the school should make clear rules about when phones can be used.",
    "Phones can also help students who find it hard to read, because they can listen to texts.",
    "If phones were collected in the morning, students could get them back after school.",
]
_ADVANCED = [
    "Proponents of a ban argue that constant notifications fragment students' attention, and research on "
    "multitasking suggests that even a silent phone on the desk measurably reduces concentration.",
    "Nevertheless, an outright prohibition ignores the legitimate educational uses of smartphones, from "
    "dictionaries and calculators to recording experiments in science lessons.",
    "A more persuasive approach, therefore, would be to teach responsible use rather than to pretend that the "
    "technology does not exist.",
    "Critics might object that teenagers lack the self-discipline to regulate their own screen time; yet "
    "schools exist precisely to cultivate such habits, not merely to enforce them.",
    "Furthermore, a ban places an unreasonable burden on teachers, who would be expected to police pockets "
    "and bags instead of concentrating on teaching.",
    "Admittedly, cyberbullying often spreads through phones during the school day, and this concern deserves "
    "a serious, consistent response from staff.",
    "Consequently, the most sensible policy is a compromise: phones stay in lockers during lessons, but "
    "teachers may invite students to use them when a task genuinely benefits.",
    "Such a policy respects students' autonomy while protecting the classroom as a place for sustained, "
    "undistracted thinking.",
    "Ultimately, the question is not whether phones are good or bad, but whether schools can help young people "
    "master a tool that will accompany them for the rest of their lives.",
    "In conclusion, a thoughtful set of rules would serve students far better than a blanket ban that is "
    "difficult to justify and even harder to enforce.",
]
_OPENINGS = {
    0: "Phones in school.",
    1: "Should phones be banned in school? This is a question many people talk about.",
    2: "Few debates divide students, parents and teachers as sharply as the question of whether mobile phones "
    "belong in the classroom.",
}


@dataclass(frozen=True)
class DemoEssay:
    label: str
    filename: str
    text: str
    quality: float  # the hidden truth: 0 weakest .. 1 strongest


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters


def write_essay(quality: float, seed: int) -> str:
    """One essay whose features follow ``quality`` in [0, 1]; deterministic for ``(quality, seed)``."""
    # A str seed is hashed stably (sha512), unlike hash(); not security-relevant.
    rng = random.Random(f"{seed}:{quality:.4f}")  # noqa: S311
    level = 0 if quality < 0.3 else 1 if quality < 0.7 else 2
    pools = [_SIMPLE, _PLAIN, _ADVANCED]
    sentence_count = 5 + round(quality * 11)
    paragraphs = 1 + round(quality * 3)
    error_rate = 0.12 * (1.0 - quality) ** 2
    # Never the same sentence twice: a repeated sentence would read as poor vocabulary, not as quality.
    unused = [list(pool) for pool in pools]
    for pool in unused:
        rng.shuffle(pool)
    sentences = []
    for _ in range(sentence_count):
        # Mostly the essay's own level, sometimes the level below: real essays are uneven.
        wanted = max(0, level - (1 if rng.random() < 0.3 else 0))
        source = next(unused[lv] for lv in (wanted, *range(level, -1, -1), *range(3)) if unused[lv])
        words = [_misspell(w, rng) if rng.random() < error_rate else w for w in source.pop().split(" ")]
        sentences.append(" ".join(words))
    per_paragraph = math.ceil(len(sentences) / paragraphs)
    body = [_OPENINGS[level]] + [
        " ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)
    ]
    return "\n\n".join(body) + "\n"


_FIRST_NAMES = ["Tuva", "Elias", "Maja", "Noah", "Alva", "Hugo", "Ebba", "Liam", "Saga", "Oscar", "Wilma", "Axel"]
_LAST_NAMES = ["Karlsson", "Andersson", "Johansson", "Nilsson", "Eriksson", "Larsson", "Öberg", "Åberg"]
# ENG5 national-test grades of the anchors, weakest to strongest, at the quality that earns them.
ANCHOR_GRADES: tuple[tuple[str, float], ...] = (
    ("F+", 0.05),
    ("E+", 0.3),
    ("D+", 0.45),
    ("C+", 0.6),
    ("B", 0.78),
    ("A", 0.95),
)


def student_essays(count: int = 12, seed: int = 7) -> list[DemoEssay]:
    """``count`` student essays with qualities spread over the range, named like Swedish students."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security-relevant
    essays = []
    taken: set[str] = set()
    for i in range(count):
        quality = (i + 0.5) / count
        first, last = _FIRST_NAMES[i % len(_FIRST_NAMES)], rng.choice(_LAST_NAMES)
        # The name pool is small: a larger batch numbers a repeated name (Tuva Karlsson 2), so every
        # essay keeps its own name and file name, as the results are matched by them.
        name, n = f"{first} {last}", 1
        while name in taken:
            n += 1
            name = f"{first} {last} {n}"
        taken.add(name)
        text = write_essay(quality, seed + i)
        essays.append(DemoEssay(name, f"{name.replace(' ', '_')}.txt", text, quality))
    rng.shuffle(essays)  # upload order says nothing about quality
    return essays


def anchor_essays(seed: int = 1000) -> list[DemoEssay]:
    """One anchor per grade in ``ANCHOR_GRADES``, labelled by its grade."""
    return [
        DemoEssay(f"anchor-{grade}", f"anchor_{grade.replace('+', 'plus').replace('-', 'minus')}.txt",
                  write_essay(quality, seed + i), quality)
        for i, (grade, quality) in enumerate(ANCHOR_GRADES)
    ]  # fmt: skip
