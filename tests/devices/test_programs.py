"""Random programs (with control flow, prints and Variables) agree everywhere: eager on the
cpu (the reference), eager on the OpenCL device, and graphs on it at -O0 and -O2."""
from hypothesis import HealthCheck, given, settings

import ambi as am
from ambi.testing.programs import ProgramSpec, programs

MODES = ("eager", "graph0", "graph2")
slow = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                max_examples=15)


@slow
@given(program=programs(ProgramSpec(allow_effects=True, allow_variables=True)))
def test_random_programs_agree_on_the_device(cl_device, program):
    am.testing.assert_equivalent(program.fn, *program.inputs, modes=MODES,
                                 devices=["cpu", str(cl_device)], k_terms=program.k_terms)


@slow
@given(program=programs(ProgramSpec(min_ops=10, max_ops=30, allow_control_flow=False,
                                    allow_matmul=False, allow_reductions=False)))
def test_elementwise_heavy_programs_fuse_and_agree(cl_device, program):
    am.testing.assert_equivalent(program.fn, *program.inputs, modes=MODES,
                                 devices=["cpu", str(cl_device)], k_terms=program.k_terms)
