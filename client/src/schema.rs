//! The generated models listed with the spec components they come from
//! (`models::registry()`), so that tests can hold each model to its schema
//! in the spec. Only with the `schema` feature: nothing here is needed to
//! call or serve the API.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One generated model.
pub struct Model {
    /// The component key in `components.schemas`.
    pub component: &'static str,
    /// The model's JSON Schema, as schemars derives it.
    pub schema: fn() -> schemars::Schema,
    /// JSON → the model → JSON.
    pub round_trip: fn(Value) -> Result<Value, serde_json::Error>,
}

pub fn schema_of<T: JsonSchema>() -> schemars::Schema {
    schemars::schema_for!(T)
}

pub fn round_trip<T: Serialize + DeserializeOwned>(value: Value) -> Result<Value, serde_json::Error> {
    serde_json::to_value(serde_json::from_value::<T>(value)?)
}
