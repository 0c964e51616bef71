use super::*;
use crate::trustly::signature::tests::keys;

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

#[test]
fn request_round_trip() {
    let (merchant, other) = keys();
    let data = json!({"Username": "u", "Password": "p", "EndUserID": "Åsa Ödegård",
                      "Attributes": {"Amount": "100.00", "Extra": null}});
    let (uuid, body) = build_request("Deposit", data.clone(), merchant);
    assert_eq!(uuid.len(), 36);
    assert_eq!(body["params"]["UUID"], json!(uuid));
    let req = parse_request(&bytes(&body)).unwrap();
    assert_eq!(req.method, "Deposit");
    assert_eq!(req.uuid, uuid);
    assert_eq!(req.data, data);
    assert_eq!(req.data_str("EndUserID"), Some("Åsa Ödegård"));
    req.verify(&merchant.verifier()).unwrap();
    assert!(req.verify(&other.verifier()).is_err());

    let mut tampered = req.clone();
    tampered.data["Attributes"]["Amount"] = json!("1000.00");
    assert_eq!(
        tampered.verify(&merchant.verifier()),
        Err(SignatureError::Mismatch)
    );

    // Two requests never share a uuid.
    let (uuid2, _) = build_request("Deposit", data, merchant);
    assert_ne!(uuid, uuid2);
}

#[test]
fn request_parse_errors_keep_context() {
    let e = parse_request(b"{not json").unwrap_err();
    assert!(matches!(e.kind, MalformedEnvelope::InvalidJson(_)));
    assert_eq!((e.method, e.uuid), (None, None));

    let e = parse_request(br#"[1]"#).unwrap_err();
    assert_eq!(e.kind, MalformedEnvelope::NotAnObject);

    let e = parse_request(
        br#"{"method":"Deposit","version":"1.0","params":{"UUID":"u1","Signature":"s","Data":{}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, MalformedEnvelope::WrongVersion("\"1.0\"".into()));
    assert_eq!(e.method.as_deref(), Some("Deposit"));
    assert_eq!(e.uuid.as_deref(), Some("u1"));

    let e =
        parse_request(br#"{"method":"Deposit","version":"1.1","params":{"UUID":"u1","Data":{}}}"#)
            .unwrap_err();
    assert_eq!(e.kind, MalformedEnvelope::Missing("params.Signature"));
    assert_eq!(e.to_string(), "params.Signature is missing");

    let e = parse_request(br#"{"method":"Deposit","version":"1.1","params":{"UUID":"u1","Signature":"s","Data":"x"}}"#)
        .unwrap_err();
    assert_eq!(e.kind, MalformedEnvelope::WrongType("params.Data"));
}

#[test]
fn result_round_trip() {
    let (trustly, other) = keys();
    let v = trustly.verifier();
    let data = json!({"orderid": "2190971587", "url": "https://x/y", "unknown": {"a": [1, 2.50]}});
    let body = build_result("Deposit", "uuid-1", data.clone(), trustly);
    assert_eq!(
        parse_response(&bytes(&body), "Deposit", "uuid-1", &v).unwrap(),
        data
    );

    // Array data (Balance).
    let arr = json!([{"currency": "EUR", "balance": "10.00"}]);
    let body = build_result("Balance", "uuid-2", arr.clone(), trustly);
    assert_eq!(
        parse_response(&bytes(&body), "Balance", "uuid-2", &v).unwrap(),
        arr
    );

    // Wrong uuid: never trusted.
    let body = build_result("Deposit", "uuid-1", data.clone(), trustly);
    assert!(matches!(
        parse_response(&bytes(&body), "Deposit", "uuid-X", &v),
        Err(ResponseError::UuidMismatch { .. })
    ));
    // Signed by someone else.
    let forged = build_result("Deposit", "uuid-1", data.clone(), other);
    assert!(matches!(
        parse_response(&bytes(&forged), "Deposit", "uuid-1", &v),
        Err(ResponseError::BadSignature(_))
    ));
    // Tampered data.
    let mut tampered = body.clone();
    tampered["result"]["data"]["url"] = json!("https://evil/");
    assert!(matches!(
        parse_response(&bytes(&tampered), "Deposit", "uuid-1", &v),
        Err(ResponseError::BadSignature(SignatureError::Mismatch))
    ));
    // Wrong version.
    let mut old = body.clone();
    old["version"] = json!("1.0");
    assert!(matches!(
        parse_response(&bytes(&old), "Deposit", "uuid-1", &v),
        Err(ResponseError::Malformed(MalformedEnvelope::WrongVersion(_)))
    ));
    assert!(matches!(
        parse_response(b"<html>502</html>", "Deposit", "uuid-1", &v),
        Err(ResponseError::Malformed(MalformedEnvelope::InvalidJson(_)))
    ));
}

#[test]
fn error_round_trip() {
    let (trustly, other) = keys();
    let v = trustly.verifier();
    let body = build_error(
        Some("Deposit"),
        Some("uuid-1"),
        616,
        "ERROR_INVALID_CREDENTIALS",
        trustly,
    );
    assert_eq!(
        body["error"]["error"]["data"],
        json!({"code": 616, "message": "ERROR_INVALID_CREDENTIALS"})
    );
    match parse_response(&bytes(&body), "Deposit", "uuid-1", &v) {
        Err(ResponseError::Trustly(e)) => {
            assert_eq!(e.code, 616);
            assert_eq!(e.name, "ERROR_INVALID_CREDENTIALS");
            assert_eq!(e.message, "ERROR_INVALID_CREDENTIALS");
        }
        other => panic!("{other:?}"),
    }
    // A forged error is not a Trustly error.
    let forged = build_error(
        Some("Deposit"),
        Some("uuid-1"),
        616,
        "ERROR_INVALID_CREDENTIALS",
        other,
    );
    assert!(matches!(
        parse_response(&bytes(&forged), "Deposit", "uuid-1", &v),
        Err(ResponseError::BadSignature(_))
    ));
    assert!(matches!(
        parse_response(&bytes(&body), "Deposit", "uuid-2", &v),
        Err(ResponseError::UuidMismatch { .. })
    ));
    // JSON-level error: unsigned, nulls.
    let body = build_error(None, None, 620, "ERROR_UNKNOWN", trustly);
    assert_eq!(body["error"]["error"]["signature"], Value::Null);
    assert_eq!(body["error"]["error"]["uuid"], Value::Null);
    assert_eq!(
        parse_response(&bytes(&body), "Deposit", "uuid-1", &v),
        Err(ResponseError::UnsignedError {
            code: Some(620),
            message: "ERROR_UNKNOWN".into()
        })
    );
}

/// Long because it walks one notification's whole life: signed, parsed,
/// tampered with, and answered.
#[test]
fn notification_round_trip_and_reply() {
    let (trustly, merchant) = keys();
    let data = json!({"notificationid": "n1", "messageid": "m1", "orderid": "o1",
                      "amount": "11", "currency": "SEK", "enduserid": "e1",
                      "timestamp": "2024-01-01 10:00:00.123+00", "attributes": null,
                      "somethingnew": {"x": 1}});
    let (uuid, body) = build_notification("credit", data.clone(), trustly);
    assert_eq!(body["params"]["uuid"], json!(uuid));
    let n = parse_notification(&bytes(&body), &trustly.verifier()).unwrap();
    assert_eq!(n.method, "credit");
    assert_eq!(n.uuid, uuid);
    assert_eq!(n.data, data);
    assert_eq!(n.raw, body);

    // Forged (signed by the merchant's key instead of Trustly's).
    let (_, forged) = build_notification("credit", data.clone(), merchant);
    assert!(matches!(
        parse_notification(&bytes(&forged), &trustly.verifier()),
        Err(NotificationError::BadSignature(_))
    ));
    // Tampered amount.
    let mut tampered = body.clone();
    tampered["params"]["data"]["amount"] = json!("1100");
    let e = parse_notification(&bytes(&tampered), &trustly.verifier()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "notification signature: signature does not match the message"
    );
    // Version 1.0 rejected.
    let mut old = body.clone();
    old["version"] = json!("1.0");
    assert!(matches!(
        parse_notification(&bytes(&old), &trustly.verifier()),
        Err(NotificationError::Malformed(
            MalformedEnvelope::WrongVersion(_)
        ))
    ));
    let mut no_version = body.clone();
    no_version.as_object_mut().unwrap().remove("version");
    assert!(parse_notification(&bytes(&no_version), &trustly.verifier()).is_err());
    for key in ["signature", "uuid", "data"] {
        let mut missing = body.clone();
        missing["params"].as_object_mut().unwrap().remove(key);
        let e = parse_notification(&bytes(&missing), &trustly.verifier()).unwrap_err();
        assert_eq!(
            e,
            NotificationError::Malformed(MalformedEnvelope::Missing(match key {
                "signature" => "params.signature",
                "uuid" => "params.uuid",
                _ => "params.data",
            }))
        );
    }
    let mut no_method = body.clone();
    no_method.as_object_mut().unwrap().remove("method");
    assert!(parse_notification(&bytes(&no_method), &trustly.verifier()).is_err());
    assert!(matches!(
        parse_notification(b"", &trustly.verifier()),
        Err(NotificationError::Malformed(
            MalformedEnvelope::InvalidJson(_)
        ))
    ));

    // Reply, checked by the sandbox with the merchant's key.
    let reply = build_notification_reply("credit", &uuid, ReplyStatus::Ok, merchant);
    assert_eq!(reply["result"]["data"], json!({"status": "OK"}));
    let mv = merchant.verifier();
    assert_eq!(
        parse_notification_reply(&bytes(&reply), "credit", &uuid, &mv),
        Ok(ReplyStatus::Ok)
    );
    let failed = build_notification_reply("debit", &uuid, ReplyStatus::Failed, merchant);
    assert_eq!(
        parse_notification_reply(&bytes(&failed), "debit", &uuid, &mv),
        Ok(ReplyStatus::Failed)
    );
    assert!(matches!(
        parse_notification_reply(&bytes(&reply), "credit", "other-uuid", &mv),
        Err(ReplyError::UuidMismatch { .. })
    ));
    assert!(matches!(
        parse_notification_reply(&bytes(&reply), "debit", &uuid, &mv),
        Err(ReplyError::MethodMismatch { .. })
    ));
    assert!(matches!(
        parse_notification_reply(&bytes(&reply), "credit", &uuid, &trustly.verifier()),
        Err(ReplyError::BadSignature(_))
    ));
    let weird = build_result("credit", &uuid, json!({"status": "MAYBE"}), merchant);
    assert_eq!(
        parse_notification_reply(&bytes(&weird), "credit", &uuid, &mv),
        Err(ReplyError::UnknownStatus("MAYBE".into()))
    );
    let err = build_error(Some("credit"), Some(&uuid), 620, "x", merchant);
    assert_eq!(
        parse_notification_reply(&bytes(&err), "credit", &uuid, &mv),
        Err(ReplyError::NotAResult)
    );
}

#[test]
fn reply_plaintext_matches_protocol_vector() {
    // PROTOCOL.md vector 5, checked through the real reply builder.
    let (merchant, _) = keys();
    let uuid = "e76ffbe5-e0f9-4402-8689-f868ed2021f8";
    let reply = build_notification_reply("account", uuid, ReplyStatus::Ok, merchant);
    let sig = reply["result"]["signature"].as_str().unwrap();
    merchant
        .verifier()
        .verify_plaintext("accounte76ffbe5-e0f9-4402-8689-f868ed2021f8statusOK", sig)
        .unwrap();
}
