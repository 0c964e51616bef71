use super::*;
use serde_json::json;

#[test]
fn deposit_data_serialises_with_trustly_keys_and_skips_none() {
    let data = DepositData {
        notification_url: "https://kassa.example/n".into(),
        end_user_id: "u-1".into(),
        message_id: "m-1".into(),
        attributes: DepositAttributes {
            currency: Some("SEK".into()),
            amount: Some("100.00".into()),
            firstname: Some("Åsa".into()),
            url_target: Some("_top".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let v = serde_json::to_value(&data).unwrap();
    assert_eq!(
        v,
        json!({"NotificationURL": "https://kassa.example/n", "EndUserID": "u-1", "MessageID": "m-1",
               "Attributes": {"Currency": "SEK", "Amount": "100.00", "Firstname": "Åsa", "URLTarget": "_top"}})
    );
}

#[test]
fn sandbox_side_parsing_is_tolerant() {
    let v = json!({"Username": "u", "Password": "secret", "EndUserID": 12345, "MessageID": "m",
                   "Attributes": {"Amount": 100.5, "Currency": "EUR", "Whatever": [1]},
                   "SomethingNew": true});
    let d: DepositData = serde_json::from_value(v).unwrap();
    assert_eq!(d.end_user_id, "12345");
    assert_eq!(
        d.notification_url, "",
        "missing becomes empty for the sandbox to flag"
    );
    assert_eq!(d.attributes.amount.as_deref(), Some("100.5"));
    assert_eq!(d.password.as_str(), "secret");
    assert!(!format!("{d:?}").contains("secret"));

    let d: SelectAccountData = serde_json::from_value(json!({"Attributes": null})).unwrap();
    assert_eq!(d.attributes, SelectAccountAttributes::default());
}

#[test]
fn results_parse_with_unknown_fields() {
    let r: DepositResult =
        serde_json::from_value(json!({"orderid": 2190971587u64, "url": "https://t/x", "new": 1}))
            .unwrap();
    assert_eq!(r.orderid, "2190971587");
    let r: RegisterAccountResult = serde_json::from_value(
        json!({"accountid": "123456789", "bank": "BankA", "clearinghouse": "SWEDEN", "descriptor": null}),
    )
    .unwrap();
    assert_eq!(r.descriptor, None);
    // Serialised back, None is null (as Trustly sends it), not absent.
    assert_eq!(serde_json::to_value(&r).unwrap()["descriptor"], Value::Null);
    let r: AccountPayoutResult =
        serde_json::from_value(json!({"orderid": "1", "result": "1"})).unwrap();
    assert!(r.accepted());
    let w: Vec<WithdrawalInfo> =
        serde_json::from_value(json!([{"orderid": "1", "transferstate": "NEWSTATE",
        "amount": "10.00", "currency": "SEK", "eta": null, "extra": "x"}]))
        .unwrap();
    assert_eq!(w[0].transferstate.as_deref(), Some("NEWSTATE"));
    let b: Vec<BalanceEntry> =
        serde_json::from_value(json!([{"currency": "EUR", "balance": "1.00"}])).unwrap();
    assert_eq!(b[0].balance, "1.00");
    assert!(serde_json::from_value::<DepositResult>(json!({"url": "x"})).is_err());
}

#[test]
fn register_account_debug_masks_number() {
    let d = RegisterAccountData {
        account_number: "69706212345".into(),
        ..Default::default()
    };
    let s = format!("{d:?}");
    assert!(!s.contains("69706212345"));
    assert!(s.contains("****2345"));
    assert_eq!(mask_account_number("123"), "****");
}
