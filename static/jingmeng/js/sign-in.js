/* 手机号登录 on the login page (templates/oscar/customer/login_registration.html):
   获取验证码 asks for a code in the background (shop/phone_login.py send_code answers JSON) and
   counts down on the button until another may be asked for. Without this script the button
   posts the form and the page comes back with a message. */
(function () {
    "use strict";
    var form = document.getElementById("phone_login_form");
    var button = document.getElementById("phone_send_code");
    var status = document.getElementById("phone_login_status");
    if (!form || !button || !status || !window.fetch || !window.FormData) {
        return;
    }
    var label = button.textContent;
    var timer = null;

    function countdown(seconds) {
        window.clearInterval(timer);
        var left = seconds;
        function tick() {
            if (left <= 0) {
                window.clearInterval(timer);
                button.disabled = false;
                button.textContent = button.getAttribute("data-again") || label;
                return;
            }
            button.disabled = true;
            button.textContent = button.getAttribute("data-wait").replace("SECONDS", left);
            left -= 1;
        }
        tick();
        timer = window.setInterval(tick, 1000);
    }

    function say(message, ok) {
        status.textContent = message;
        status.classList.toggle("is-error", !ok);
        status.classList.toggle("is-ok", ok);
    }

    button.addEventListener("click", function (event) {
        event.preventDefault();
        if (button.disabled) {
            return;
        }
        button.disabled = true;
        var data = new FormData(form);
        window.fetch(button.getAttribute("formaction"), {
            method: "POST",
            body: data,
            credentials: "same-origin",
            headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
        }).then(function (response) {
            return response.json();
        }).then(function (answer) {
            say(answer.message, answer.sent);
            if (answer.wait) {
                countdown(answer.wait);
            } else {
                button.disabled = false;
            }
            if (answer.sent) {
                var code = document.getElementById("id_phone-code");
                if (code) {
                    code.focus();
                }
            }
        }).catch(function () {
            button.disabled = false;
            form.requestSubmit ? form.requestSubmit(button) : form.submit();
        });
    });
}());
