//! Validation of the bot's outgoing JSON against Discord's OpenAPI spec (vendored beside this
//! file, MIT), plus the rules the spec does not state (command name pattern).

use jsonschema::{Draft, JSONSchema};
use serde_json::{json, Value};

/// Compiled validators for each kind of body the bot sends.
pub struct Spec {
    /// Items of the bulk overwrite (`PUT …/commands`).
    pub command: JSONSchema,
    /// `POST /interactions/{id}/{token}/callback` (the anyOf of every callback kind).
    pub callback: JSONSchema,
    /// `PATCH /webhooks/{app}/{token}/messages/@original`.
    pub edit: JSONSchema,
    /// `POST /channels/{id}/messages`.
    pub channel_message: JSONSchema,
    /// `POST /channels/{id}/messages` as `multipart/form-data` (`payload_json` and `files[n]`).
    pub channel_message_multipart: JSONSchema,
    /// `PATCH /channels/{id}/messages/{id}`.
    pub channel_message_edit: JSONSchema,
    /// An attachment object as Discord sends it (in `data.resolved.attachments`).
    pub attachment: JSONSchema,
}

fn compile(components: &Value, schema: Value) -> JSONSchema {
    let mut root = schema;
    root.as_object_mut()
        .expect("schema object")
        .insert("components".into(), components.clone());
    JSONSchema::options()
        .with_draft(Draft::Draft202012)
        .compile(&root)
        .unwrap_or_else(|e| panic!("spec schema compiles: {e}"))
}

impl Spec {
    /// Loads the vendored spec and compiles the validators.
    pub fn load() -> Spec {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/discord-api-spec/openapi.json"
        );
        let text = std::fs::read_to_string(path).expect("vendored openapi.json");
        let doc: Value = serde_json::from_str(&text).expect("openapi.json parses");
        let components = &doc["components"];
        let body = |path: &str, method: &str| -> Value {
            doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
                .clone()
        };
        let callback = body(
            "/interactions/{interaction_id}/{interaction_token}/callback",
            "post",
        );
        assert!(callback["anyOf"].is_array(), "callback body is an anyOf");
        Spec {
            command: compile(
                components,
                json!({"$ref": "#/components/schemas/ApplicationCommandUpdateRequest"}),
            ),
            callback: compile(components, callback),
            edit: compile(
                components,
                body(
                    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                    "patch",
                ),
            ),
            channel_message: compile(components, body("/channels/{channel_id}/messages", "post")),
            channel_message_multipart: compile(
                components,
                doc["paths"]["/channels/{channel_id}/messages"]["post"]["requestBody"]["content"]
                    ["multipart/form-data"]["schema"]
                    .clone(),
            ),
            channel_message_edit: compile(
                components,
                body("/channels/{channel_id}/messages/{message_id}", "patch"),
            ),
            attachment: compile(
                components,
                json!({"$ref": "#/components/schemas/AttachmentResponse"}),
            ),
        }
    }
}

/// The spec types some int-parseable strings (permission bit sets) as integers; Discord
/// accepts both, serenity sends strings. Convert those before validating. The reverse for the
/// ids of a multipart message's `attachments`: Discord's own documentation sends them as
/// numbers (`"id": 0`, the index of `files[0]`), as serenity does; the spec types them as
/// snowflake strings.
pub fn coerce(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("default_member_permissions", Value::String(s)) => s
                            .parse::<u64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| v.clone()),
                        ("attachments", Value::Array(items)) => Value::Array(
                            items
                                .iter()
                                .map(|item| {
                                    let mut item = coerce(item);
                                    if let Some(id) = item.get("id").and_then(Value::as_u64) {
                                        item["id"] = Value::String(id.to_string());
                                    }
                                    item
                                })
                                .collect(),
                        ),
                        _ => coerce(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(coerce).collect()),
        other => other.clone(),
    }
}

/// Validates `body` (after [`coerce`]); the errors name the failing JSON pointers.
pub fn check(schema: &JSONSchema, body: &Value) -> Result<(), Vec<String>> {
    let body = coerce(body);
    let result = schema.validate(&body);
    result.map_err(|errors| {
        errors
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect()
    })
}

/// Asserts `body` is valid, naming `what` in the failure.
pub fn assert_valid(schema: &JSONSchema, body: &Value, what: &str) {
    if let Err(errors) = check(schema, body) {
        panic!("{what} does not match Discord's spec: {errors:#?}\nbody: {body:#}");
    }
}

/// Discord's chat-input name rule (the spec has no pattern for it).
pub fn name_ok(name: &str) -> bool {
    let re = regex::Regex::new(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$").expect("regex");
    re.is_match(name) && name.to_lowercase() == name
}

#[test]
fn validators_reject_bad_payloads() {
    let spec = Spec::load();
    // Good ones first, so a rejection below is about the fault and not the setup.
    let good_command = json!({"name": "ask", "description": "Ask", "type": 1,
        "default_member_permissions": "8192",
        "options": [{"type": 3, "name": "question", "description": "Q", "required": true}]});
    assert_valid(&spec.command, &good_command, "a good command");
    let good_callback = json!({"type": 4, "data": {"content": "hi", "flags": 64,
        "allowed_mentions": {"parse": []}}});
    assert_valid(&spec.callback, &good_callback, "a good callback");

    let bad_commands = [
        json!({"name": "x".repeat(33), "description": "d", "type": 1}),
        json!({"name": "ask", "description": "d".repeat(101), "type": 1}),
        json!({"name": "ask", "description": "d", "type": 1,
               "options": [{"type": 3, "name": "q", "description": "d", "max_length": 7000}]}),
        json!({"name": "ask", "description": "d", "type": 1, "default_member_permissions": "-1"}),
    ];
    for bad in &bad_commands {
        assert!(
            check(&spec.command, bad).is_err(),
            "accepted a bad command: {bad}"
        );
    }
    let bad_callbacks = [
        json!({"type": 4, "data": {"content": "x".repeat(2001)}}),
        json!({"type": 4, "data": {"allowed_mentions": {"parse": ["everybody"]}}}),
        json!({"type": 8, "data": {"choices": [{"name": "", "value": "v"}]}}),
        json!({"type": 8, "data": {"choices": (0..26).map(|i| json!({"name": format!("c{i}"), "value": "v"})).collect::<Vec<_>>()}}),
        json!({"type": 42}),
    ];
    for bad in &bad_callbacks {
        assert!(
            check(&spec.callback, bad).is_err(),
            "accepted a bad callback: {bad}"
        );
    }
    assert!(check(&spec.edit, &json!({"content": "x".repeat(2001)})).is_err());
    assert!(!name_ok("Ask"));
    assert!(!name_ok("ask me"));
    assert!(!name_ok(&"a".repeat(33)));
    assert!(name_ok("ask") && name_ok("سؤال") && name_ok("प्रश्न"));
}
