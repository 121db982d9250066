//! The served specs are OpenAPI 3.1 documents utoipa itself can read, and
//! point Swagger UI at this server.

#[test]
fn utoipa_reads_every_served_spec() {
    for (name, url, text) in server::docs::SPECS {
        let spec = server::docs::served_spec(text);
        assert_eq!(spec["servers"][0]["url"], "/", "{name}: Try it out must call this server");
        let parsed: Result<utoipa::openapi::OpenApi, _> = serde_json::from_value(spec.clone());
        let parsed =
            parsed.unwrap_or_else(|e| panic!("{name} ({url}) is not readable as OpenAPI 3.1 by utoipa: {e}"));
        assert_eq!(
            parsed.paths.paths.len(),
            spec["paths"].as_object().unwrap().len(),
            "{name}: every path survives"
        );
    }
}
