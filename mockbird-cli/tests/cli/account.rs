//! Signing in, the config file, listing projects, and exit codes.

use crate::support::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_an_api_key_readable_by_its_owner_alone() {
    let env = Env::start().await;
    // Before signing in: exit 3, and what to do.
    let run = env.run(&["projects"]).await;
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(run.stderr().contains("mockbird login"), "{}", run.stderr());

    let run = env
        .run_with(
            &[
                "login",
                "--url",
                &env.url,
                "--email",
                &env.email,
                "--password-stdin",
            ],
            Some("wrong password\n"),
        )
        .await;
    assert_eq!(run.code(), 3, "a refused password: {}", run.stderr());

    env.login().await;
    let config = env.path("config.json");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    assert!(
        saved["token"].as_str().unwrap().starts_with("mk_"),
        "{saved}"
    );
    assert_eq!(saved["url"], env.url.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let run = env.run(&["projects"]).await;
    run.ok();
    assert!(run.stdout().contains("No projects yet"), "{}", run.stdout());
    let run = env.run(&["projects", "--output", "json"]).await;
    run.ok();
    assert_eq!(run.json(), serde_json::json!([]));

    // MOCKBIRD_TOKEN wins over the file; a bad one is refused with exit 3.
    let mut cmd = env.command(&["projects"]);
    cmd.env(
        "MOCKBIRD_TOKEN",
        "mk_0000000000000000000000000000000000000000000000000000000000000000",
    );
    let run = env.run_command(cmd).await;
    assert_eq!(run.code(), 3, "{}", run.stderr());

    // A server that is not there: exit 4.
    let mut cmd = env.command(&["projects"]);
    cmd.env("MOCKBIRD_URL", "http://127.0.0.1:9");
    let run = env.run_command(cmd).await;
    assert_eq!(run.code(), 4, "{}", run.stderr());
    assert!(run.stderr().contains("cannot reach"), "{}", run.stderr());

    // Bad usage: exit 2, with help that has examples.
    assert_eq!(env.run(&["pull"]).await.code(), 2);
    let help = env.run(&["verify", "--help"]).await;
    help.ok();
    assert!(help.stdout().contains("Examples:"), "{}", help.stdout());

    let run = env.run(&["logout"]).await;
    run.ok();
    assert_eq!(env.run(&["projects"]).await.code(), 3);

    // --token keeps a given credential once it is checked.
    let run = env
        .run(&["login", "--token", saved["token"].as_str().unwrap()])
        .await;
    run.ok();
    env.run(&["projects"]).await.ok();
}
