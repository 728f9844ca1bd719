// Loads the app built by `cargo xtask example yew-chat`; its `main` mounts the component.
import init from "./yew-chat.js";

init();
