#!/usr/bin/python3
"""Validates CloudFormation AWS::ECS::TaskDefinition properties against the ECS API's own model.

AWS's model of the RegisterTaskDefinition input (botocore's service-2.json for ECS, as packaged
by Debian's python3-botocore) is the check; nothing is sent anywhere: botocore's parameter
validation runs locally, before any request would be built.

Input (stdin): a JSON list of {"id": "...", "properties": {...CloudFormation Properties...}}.
Output (stdout): a JSON list of {"id", "valid", "errors": [...], "unknown": [...], "params"}.

The CloudFormation properties are converted to the API's input the way CloudFormation does:
- structure keys: PascalCase -> the shape member whose name matches case-insensitively
  (Family -> family, ContainerDefinitions -> containerDefinitions, ...); a key that matches no
  member is kept as is, so that validation reports it as an unknown parameter;
- map keys (log options, docker labels) are kept unchanged;
- values that are CloudFormation expressions ({"Ref": ...}, {"Fn::...": ...}) become placeholders
  of the member's type;
- numbers written as strings ("512") become integers where the model wants one (CloudFormation
  accepts both); the task-level cpu and memory are strings in the API.

Top-level properties that exist in CloudFormation only (Tags are passed through; none other today)
would be reported in "unknown". Properties newer than the installed model (Debian's is from
December 2022) also show in "unknown", so the caller can tell them apart from errors.
"""
import json
import sys

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters


def is_intrinsic(value):
    return isinstance(value, dict) and len(value) == 1 and (
        'Ref' in value or next(iter(value)).startswith('Fn::'))


def placeholder(shape):
    kind = shape.type_name
    if kind == 'string':
        return 'placeholder'
    if kind in ('integer', 'long'):
        return 1
    if kind == 'boolean':
        return True
    if kind == 'list':
        return [placeholder(shape.member)]
    raise ValueError('no placeholder for a %s' % kind)


def convert(value, shape, path, unknown):
    if is_intrinsic(value):
        return placeholder(shape)
    kind = shape.type_name
    if kind == 'structure' and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = members.get(key.lower())
            if name is None:
                unknown.append('%s.%s' % (path, key))
                out[key] = item
            else:
                out[name] = convert(item, shape.members[name], '%s.%s' % (path, key), unknown)
        return out
    if kind == 'list' and isinstance(value, list):
        return [convert(item, shape.member, '%s[%d]' % (path, i), unknown) for i, item in enumerate(value)]
    if kind == 'map' and isinstance(value, dict):
        return {key: convert(item, shape.value, '%s.%s' % (path, key), unknown) for key, item in value.items()}
    if kind in ('integer', 'long') and isinstance(value, str) and value.lstrip('-').isdigit():
        return int(value)
    if kind == 'string' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def main():
    session = botocore.session.get_session()
    model = session.get_service_model('ecs')
    shape = model.operation_model('RegisterTaskDefinition').input_shape
    results = []
    for item in json.load(sys.stdin):
        unknown = []
        params = convert(item['properties'], shape, 'Properties', unknown)
        errors = []
        try:
            validate_parameters(params, shape)
        except ParamValidationError as e:
            errors = [line.strip() for line in str(e).splitlines()[1:] if line.strip()] or [str(e)]
        results.append({'id': item['id'], 'valid': not errors, 'errors': errors, 'unknown': unknown, 'params': params})
    json.dump({'botocore': botocore.__version__, 'apiVersion': model.api_version, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
