"""moto_server with the two fixes the smoke run of deploy.sh needs; run it with the .venv's python.

`aws cloudformation deploy` always goes through a change set, and moto 5.2.5's change-set path differs from
CloudFormation in two ways that deploy.sh depends on:

1. outputs: moto applies an executed change set's resources but never resolves the template's Outputs, so the
   stack has no Outputs. deploy.sh reads them. The shim resolves them after the change set, as moto's own
   UpdateStack does.
2. empty-changeset: CreateChangeSet for an unchanged stack fails with "No updates are to be performed", where
   CloudFormation creates a FAILED change set ("The submitted information didn't contain changes"), which
   `deploy --no-fail-on-empty-changeset` treats as success (the re-run of deploy.sh). The shim skips that early
   check and lets moto's own FAILED-change-set branch answer, comparing the parameters as resolved (moto compares
   the raw parameters of the first creation with the resolved ones `deploy` resends, so it never finds them
   equal).

Nothing else is changed. examples/tests/smoke-moto.test.ts lists these shims (motoServerShims) and the README
names them.
"""

import sys

from moto.cloudformation import models, responses
from moto.server import main

_apply = models.ChangeSet.apply


def _apply_and_resolve_outputs(self):  # type: ignore[no-untyped-def]
    _apply(self)
    self.stack.output_map = models.OutputMap(self.stack.resource_map, self.template_dict, self.stack.stack_id)


def _no_early_empty_update_check(self, incoming_params, stack_body, old_stack):  # type: ignore[no-untyped-def]
    return None


def _same_resolved_parameters(self, other_parameters):  # type: ignore[no-untyped-def]
    def text(value):  # type: ignore[no-untyped-def]
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)

    current = {key: text(value) for key, value in self.stack_parameters.items()}
    return all(current.get(key) == text(value) for key, value in other_parameters.items())


models.ChangeSet.apply = _apply_and_resolve_outputs
responses.CloudFormationResponse._validate_different_update = _no_early_empty_update_check
models.Stack.has_parameters = _same_resolved_parameters

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
