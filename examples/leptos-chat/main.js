// Loads the app built by `cargo xtask example leptos-chat`; its `main` mounts the component.
import init from "./leptos-chat.js";

init();
