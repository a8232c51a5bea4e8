/**
 * @module runtime/cri/api-proto.test — checks every service, method, message field (name, number,
 * type, repeated) and enum value of our hand-written api.proto against the upstream CRI v1 facts
 * in /work/shared/reference/cri-v1-fields.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { CRI_PROTO_PATH } from './proto.ts';

const REFERENCE = '/work/shared/reference/cri-v1-fields.json';

interface RefField { number: number; label: string; type: string; keyType?: string; valueType?: string }
interface Reference {
  package: string;
  services: Record<string, Record<string, { request: string; response: string; clientStreaming: boolean; serverStreaming: boolean }>>;
  messages: Record<string, { fields: Record<string, RefField> }>;
  enums: Record<string, { values: Record<string, number> }>;
}

const root = new protobuf.Root().loadSync(CRI_PROTO_PATH, { keepCase: true });
const pkg = root.lookup('runtime.v1') as protobuf.Namespace;

test('api.proto matches the CRI v1 reference', { skip: !existsSync(REFERENCE) && 'reference data not present' }, () => {
  const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as Reference;
  assert.equal(ref.package, 'runtime.v1');
  let checkedFields = 0;
  for (const nested of pkg.nestedArray) {
    if (nested instanceof protobuf.Service) {
      const refService = ref.services[nested.name];
      assert.ok(refService, `service ${nested.name} exists upstream`);
      for (const method of nested.methodsArray) {
        const refMethod = refService[method.name];
        assert.ok(refMethod, `${nested.name}.${method.name} exists upstream`);
        assert.equal(method.requestType, refMethod.request, `${method.name} request`);
        assert.equal(method.responseType, refMethod.response, `${method.name} response`);
        assert.equal(Boolean(method.responseStream), refMethod.serverStreaming);
      }
    } else if (nested instanceof protobuf.Type) {
      const refMessage = ref.messages[nested.name];
      assert.ok(refMessage, `message ${nested.name} exists upstream`);
      for (const field of nested.fieldsArray) {
        const refField = refMessage.fields[field.name];
        assert.ok(refField, `${nested.name}.${field.name} exists upstream`);
        assert.equal(field.id, refField.number, `${nested.name}.${field.name} number`);
        if (field instanceof protobuf.MapField) {
          assert.equal(refField.type, 'map', `${nested.name}.${field.name} is a map`);
          assert.equal(field.keyType, refField.keyType);
          assert.equal(field.type, refField.valueType);
        } else {
          assert.equal(field.type, refField.type, `${nested.name}.${field.name} type`);
          assert.equal(field.repeated, refField.label === 'repeated', `${nested.name}.${field.name} label`);
        }
        checkedFields++;
      }
    } else if (nested instanceof protobuf.Enum) {
      const refEnum = ref.enums[nested.name];
      assert.ok(refEnum, `enum ${nested.name} exists upstream`);
      assert.deepEqual(nested.values, refEnum.values, `enum ${nested.name} values`);
    }
  }
  assert.ok(checkedFields > 200, `checked ${checkedFields} fields`);
});

test('api.proto declares every RPC the client needs', () => {
  const runtime = pkg.lookupService('RuntimeService').methodsArray.map((m) => m.name);
  for (const name of ['Version', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'PodSandboxStatus', 'ListPodSandbox', 'CreateContainer',
    'StartContainer', 'StopContainer', 'RemoveContainer', 'ListContainers', 'ContainerStatus', 'ExecSync', 'Exec', 'Attach', 'PortForward',
    'ContainerStats', 'ListContainerStats', 'PodSandboxStats', 'ListPodSandboxStats', 'UpdateRuntimeConfig', 'Status']) {
    assert.ok(runtime.includes(name), name);
  }
  assert.deepEqual(pkg.lookupService('ImageService').methodsArray.map((m) => m.name).sort(), ['ImageStatus', 'ListImages', 'PullImage', 'RemoveImage']);
});
