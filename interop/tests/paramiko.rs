//! paramiko's client against our TestServer: every key exchange, host key, cipher and MAC both
//! implement (one dimension at a time) completes key exchange, password authentication and
//! `exec echo hi` (the script is interop/tests/python/paramiko_client.py).

use std::time::Duration;

use oxssh_interop::{
    TestServer, check_matrix_output, our_algorithm_args, python_script, require_python_module,
    run_process,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paramiko_client_logs_in_and_runs_a_command_with_every_shared_algorithm() {
    if !require_python_module("paramiko") {
        return;
    }
    let server = TestServer::start_default(Vec::new()).await;
    let mut args = vec![
        "-B".to_owned(),
        python_script("paramiko_client.py"),
        "--port".into(),
        server.port.to_string(),
    ];
    args.extend(our_algorithm_args());
    let out = run_process("python3", &args, Vec::new(), Duration::from_secs(120)).await;
    let ok = check_matrix_output(&out, 20);
    println!("{}", ok.join("\n"));
    // mlkem768x25519-sha256 is tested here: OpenSSH 9.2 predates it.
    assert!(
        ok.iter().any(|l| l == "OK kex mlkem768x25519-sha256"),
        "{ok:?}"
    );
    assert!(server.errors().is_empty(), "{:?}", server.errors());
}
