"""Property tests over random programs (control flow, prints, a Variable, seeded draws).

- -O0, -O1 and -O2 (and eager) give the same outputs, prints and variable values;
- any sequence of passes keeps the verifier happy, the values, and the effects (their
  number, kind and order; a cond on a constant gives way to its taken branch's effects,
  in place); every pass is idempotent: run again at once, it changes
  nothing.
"""
from hypothesis import given, strategies as st

import ambi as am
from ambi.ir.verify import verify
from ambi.passes import PASSES, optimize, run
from passes_helpers import (assert_same_run, canon, cases, effect_signature, effects_kept,
                            run_graph, trace)

NAMES = st.sampled_from(list(PASSES))


@given(cases())
def test_every_level_gives_the_same_results(p):
    am.testing.assert_equivalent(p.fn, *p.args, modes=("eager", "graph0", "graph1", "graph2"),
                                 k_terms=p.k_terms)


@given(cases(), st.lists(NAMES, min_size=1, max_size=6))
def test_any_sequence_of_passes_keeps_values_effects_and_is_idempotent(p, names):
    reference = run_graph(trace(p.fn, *p.args), p.args, p.variables)
    g = trace(p.fn, *p.args)
    effects = effect_signature(g)
    for name in names:
        run(g, [name])
        verify(g, after=name)
        assert effects_kept(effects, effect_signature(g)), name
        before = canon(g)
        assert not run(g, [name])[0]["changed"], f"{name} is not idempotent"
        assert canon(g) == before, name
    assert_same_run(reference, run_graph(g, p.args, p.variables), p.k_terms)


class FUSING:  # a device that asks for every -O2 rewrite
    rewrites = tuple(name for name, (_, level) in PASSES.items() if level == 2)


@given(cases())
def test_the_optimized_graph_is_a_fixed_point_of_every_pass(p):
    g = trace(p.fn, *p.args)
    effects = effect_signature(g)
    optimize(g, 2, device=FUSING)
    assert effects_kept(effects, effect_signature(g))
    before = canon(g)
    assert not any(r["changed"] for r in run(g, list(PASSES)))
    assert canon(g) == before
