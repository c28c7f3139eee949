"""Sample essays for the tests: a strong one, a weak one and a middling one, written by hand."""

STRONG = """Many people believe that school uniforms make pupils equal, but the evidence is more complicated.
In this essay I will argue that uniforms solve some problems while quietly creating others.

First, uniforms reduce visible differences in wealth. When everyone wears the same jacket, a pupil whose
family cannot afford fashionable clothes is less likely to be teased. Teachers in several studies report
calmer corridors, fewer arguments about appearance, and a stronger sense of belonging. These benefits are
real, and they matter most to the pupils who are most vulnerable.

However, a uniform does not remove inequality; it merely hides it. Expensive shoes, phones and bags still
reveal who has money. Moreover, the cost of a compulsory blazer can be a heavy burden for a poor family,
which is precisely the group the policy claims to protect. Some schools have responded by offering
second-hand uniforms, yet this solution depends on volunteers and is rarely advertised.

Finally, we should consider freedom of expression. Teenagers use clothing to explore their identity, and
forbidding that exploration may teach conformity rather than respect. A sensible compromise would be a
simple dress code: clear rules about safety and decency, without prescribing a particular colour or brand.

In conclusion, uniforms bring modest benefits but also hidden costs. Schools should weigh both honestly,
consult pupils and parents, and choose the policy that genuinely serves everyone rather than the one that
merely looks tidy."""

WEAK = """i think uniforms is good becuase every one look the same and it is good. uniforms is good becuase
nobody get bullyed and it is good for the school and the school is good. i like uniforms becuase they is
good and my freind like them to and it is good. so uniforms is good and thats why i think they is good
and every school shud have uniforms becuase its good"""

MIDDLING = """School uniforms are a common topic of debate. Some people like them and some people do not.

I think uniforms have good sides. They make pupils look the same, so there is less bullying about clothes.
They also save time in the morning because you do not need to choose what to wear.

But uniforms can be expensive for families. Also some pupils want to show their style. I think schools
should let pupils choose some things, like shoes, but keep a simple uniform for the rest.

In the end I think uniforms are mostly good, but schools should listen to what pupils think about them."""
